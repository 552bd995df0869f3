// db/admin/*.sql run with the real psql against sample data, and the audit reader role's limits.
import assert from 'node:assert/strict'
import { execFile, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { purgeExpired } from '../functions/purge-expired.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { createSecret, startTestApp } from './helper.ts'

const ADMIN_DIR = new URL('../db/admin/', import.meta.url)
const PSQL_SH = new URL('../scripts/psql.sh', import.meta.url).pathname
const READER_MARK = 'Role: burnlink_audit_reader is enough'
// psql comes from the machine (the embedded package ships only the server's programs).
const NEEDS_PSQL = spawnSync('psql', ['--version']).status === 0 ? false : 'psql is not installed on this machine; the migration is checked by the role test'

const run = promisify(execFile)

interface PsqlResult { code: number, stdout: string, stderr: string }

/** scripts/psql.sh with the test database's POSTGRES_* variables, as an administrator runs it. */
async function psqlSh (env: Record<string, string>, args: string[], extraEnv: Record<string, string> = {}): Promise<PsqlResult> {
  try {
    const { stdout, stderr } = await run('bash', [PSQL_SH, ...args], { env: { PATH: process.env.PATH ?? '', ...env, ...extraEnv } })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failed = err as { code: number, stdout: string, stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

/** Rows of psql --csv output for one result set: an array of objects keyed by column name. */
function csvRows (text: string): Array<Record<string, string>> {
  const [header, ...lines] = text.trim().split('\n')
  const columns = (header ?? '').split(',')
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i] ?? `${i}`, value])))
}

/** psql --csv prints result sets back to back: split before the header line of the next one. */
function splitBefore (text: string, header: string): [string, string] {
  const at = text.indexOf(`\n${header}\n`)
  assert.ok(at >= 0, `no result set with header ${header} in:\n${text}`)
  return [text.slice(0, at), text.slice(at + 1)]
}

function adminFiles (): string[] {
  return readdirSync(ADMIN_DIR).filter((file) => file.endsWith('.sql')).sort()
}

const inject = async (app: App, ip: string, method: 'GET' | 'DELETE', url: string, payload?: Record<string, string>) =>
  await app.inject({ method, url, remoteAddress: ip, ...(payload === undefined ? {} : { payload }) })

/**
 * Sample data through the API: 7 secrets from three IPs; 2 revealed, 1 deleted, 1 expired by
 * the purge, 3 still stored; 1 deletion refused (wrong passphrase), 1 reveal refused (missing).
 */
async function sampleData (app: App): Promise<{ revealedRef: string }> {
  const create = async (ip: string, body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/secret', payload: body, remoteAddress: ip })
    assert.equal(res.statusCode, 201, res.body)
    return res.json<{ secret_key: string }>().secret_key
  }
  const a = await create('192.0.2.10', { secret: 'one' })
  const b = await create('192.0.2.10', { secret: 'two' })
  const c = await create('192.0.2.10', { secret: 'three' })
  const gated = await create('192.0.2.10', { secret: 'four', passphrase: 'right', reveal_requires_passphrase: true })
  await create('198.51.100.7', { secret: 'five', ttl_seconds: 1 })
  await create('198.51.100.7', { secret: 'six' })
  assert.equal((await inject(app, '192.0.2.10', 'GET', `/secret/${a}`)).statusCode, 200)
  assert.equal((await inject(app, '198.51.100.7', 'GET', `/secret/${b}`)).statusCode, 200)
  assert.equal((await inject(app, '192.0.2.10', 'DELETE', `/secret/${c}`)).statusCode, 200)
  assert.equal((await inject(app, '198.51.100.7', 'GET', `/secret/${gated}`)).statusCode, 403)
  const denied = await createSecret(app, { secret: 'kept', passphrase: 'right' })
  assert.equal((await inject(app, '192.0.2.10', 'DELETE', `/secret/${denied.secret_key}`, { passphrase: 'wrong' })).statusCode, 403)
  await sleep(1100)
  assert.equal((await purgeExpired(app.sql, 100)).purged, 1)
  const [row] = await app.sql<{ secret_ref: string }[]>`select secret_ref from audit_log where event = 'revealed' order by id limit 1`
  assert.ok(row !== undefined)
  return { revealedRef: row.secret_ref }
}

test('the audit reader role reads audit_log and secret_summary but is refused the secret table', async (t) => {
  const { app } = await startTestApp(t)
  await createSecret(app, { secret: 'not for auditors' })
  const asReader = async <T>(query: (tx: App['sql']) => Promise<T>): Promise<T> =>
    await app.sql.begin(async (tx) => {
      await tx`set local role burnlink_audit_reader`
      return await query(tx as unknown as App['sql'])
    }) as T
  const [audit] = await asReader(async (tx) => await tx<{ count: number }[]>`select count(*)::int as count from audit_log`)
  assert.equal(audit?.count, 1)
  const [summary] = await asReader(async (tx) => await tx<{ secrets: string }[]>`select secrets from secret_summary`)
  assert.equal(summary?.secrets, '1')
  await assert.rejects(asReader(async (tx) => await tx`select ciphertext from secret`), { code: '42501' })
  await assert.rejects(asReader(async (tx) => await tx`select count(*) from secret`), { code: '42501' })
  await assert.rejects(asReader(async (tx) => await tx`delete from audit_log`), { code: '42501' })
  const [role] = await app.sql<{ rolcanlogin: boolean }[]>`select rolcanlogin from pg_roles where rolname = 'burnlink_audit_reader'`
  assert.equal(role?.rolcanlogin, false)
})

test('every db/admin/*.sql file runs with psql against sample data, with the counts the API produced', { skip: NEEDS_PSQL }, async (t) => {
  const { app, env } = await startTestApp(t, { env: { SECRET_MIN_TTL_SECONDS: '1' } })
  const { revealedRef } = await sampleData(app)

  const outputs = new Map<string, string>()
  for (const file of adminFiles()) {
    const name = file.slice(0, -4)
    const result = await psqlSh(env, [name, '--csv', '-v', `ref=${revealedRef}`])
    assert.equal(result.code, 0, `${file} failed: ${result.stderr}`)
    // Notices are fine (a schema switch may print some); errors and warnings are not.
    assert.doesNotMatch(result.stderr, /ERROR|FATAL|WARNING/, `${file} complained`)
    outputs.set(name, result.stdout)
  }

  const days = csvRows(outputs.get('usage-per-day') ?? '')
  assert.equal(days.length, 30, 'one line per day of the default 30, newest first')
  const { day, ...today } = days[0] ?? {}
  assert.match(day ?? '', /^\d{4}-\d{2}-\d{2}$/)
  assert.deepEqual(today, { created: '7', revealed: '2', deleted: '1', expired_unread: '1', delete_denied: '1', reveal_denied: '1' })
  assert.ok(days.slice(1).every((row) => row.created === '0'), 'earlier days are empty')

  const stored = csvRows(outputs.get('secrets-stored') ?? '')[0]
  assert.equal(stored?.secrets, '3')
  assert.equal(stored?.with_passphrase, '2')

  const history = csvRows(outputs.get('secret-history') ?? '')
  assert.deepEqual(history.map((row) => row.event), ['created', 'revealed'])

  const ips = csvRows(outputs.get('busiest-client-ips') ?? '')
  assert.deepEqual(ips.map((row) => [row.client, row.events, row.delete_denied, row.reveal_denied]), [['192.0.2.10', '7', '1', '0'], ['198.51.100.7', '4', '0', '1'], ['127.0.0.1', '1', '0', '0']])

  const [distribution, percentiles] = splitBefore(outputs.get('time-to-first-read') ?? '', 'revealed,median,p90,p99,longest')
  const waits = csvRows(distribution)
  assert.deepEqual(waits.map((row) => row.secrets), ['2', '0', '0', '0', '0', '0', '5'], 'buckets from under 1 minute to not read')
  assert.equal(waits.at(-1)?.waited, 'not read (yet)')
  assert.equal(csvRows(percentiles)[0]?.revealed, '2')

  const [summary, months] = splitBefore(outputs.get('audit-retention') ?? '', 'month,rows,created,percent')
  assert.deepEqual([csvRows(summary)[0]?.rows, csvRows(summary)[0]?.overdue], ['13', '0'])
  assert.deepEqual(csvRows(months).map((row) => [row.rows, row.created, row.percent]), [['13', '7', '100.0']])
})

test('the admin files marked for the audit reader run under that role, and it cannot read ciphertexts with psql', { skip: NEEDS_PSQL }, async (t) => {
  const { app, env } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'x' })
  assert.ok(key.length > 0)
  const [row] = await app.sql<{ secret_ref: string }[]>`select secret_ref from audit_log limit 1`
  const asReader = { PGOPTIONS: '-c role=burnlink_audit_reader' }
  const marked = adminFiles().filter((file) => readFileSync(new URL(file, ADMIN_DIR), 'utf8').includes(READER_MARK))
  assert.ok(marked.length >= 6, `expected the six reader queries, found ${marked.join(', ')}`)
  for (const file of marked) {
    const result = await psqlSh(env, [file, '-v', `ref=${row?.secret_ref ?? ''}`], asReader)
    assert.equal(result.code, 0, `${file} as burnlink_audit_reader: ${result.stderr}`)
  }
  const refused = await psqlSh(env, ['secrets-stored', '-c', 'select ciphertext from secret'], asReader)
  assert.notEqual(refused.code, 0)
  assert.match(refused.stderr, /permission denied for table secret/)
})

test('busiest-client-ips groups by the daily hash when AUDIT_IP_MODE=hashed, and shows no address', { skip: NEEDS_PSQL }, async (t) => {
  const { app, env } = await startTestApp(t, { env: { AUDIT_IP_MODE: 'hashed' } })
  for (const ip of ['192.0.2.44', '192.0.2.44', '198.51.100.9']) {
    const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x' }, remoteAddress: ip })
    assert.equal(res.statusCode, 201)
  }
  const result = await psqlSh(env, ['busiest-client-ips', '--csv'])
  assert.equal(result.code, 0, result.stderr)
  const rows = csvRows(result.stdout)
  assert.deepEqual(rows.map((row) => row.events), ['2', '1'])
  assert.ok(rows.every((row) => /^[0-9a-f]{32}$/.test(row.client ?? '')), result.stdout)
  assert.doesNotMatch(result.stdout, /192\.0\.2|198\.51/)
})

test('scripts/psql.sh lists every query without arguments and rejects unknown names and missing variables', { skip: NEEDS_PSQL }, async (t) => {
  const { env } = await startTestApp(t)
  const listing = await psqlSh(env, [])
  assert.equal(listing.code, 0)
  for (const file of adminFiles()) assert.match(listing.stdout, new RegExp(`^  ${file.slice(0, -4)} `, 'm'))

  const unknown = await psqlSh(env, ['no-such-query'])
  assert.equal(unknown.code, 64)
  assert.match(unknown.stderr, /no such query: no-such-query/)

  const noRef = await psqlSh(env, ['secret-history'])
  assert.notEqual(noRef.code, 0)
  assert.match(noRef.stderr, /secret-history needs the secret_ref/)
})
