// pgbench with Burnlink's create and reveal statements (as in ceiling-child.ts; prepared, 50
// clients), if it is installed.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ThrowawayDatabase } from './database.ts'
import type { PgbenchResult } from './results.ts'
import { tryRun } from './proc.ts'
import { sealedSize } from './seed.ts'
import type { Timing } from './workloads.ts'

// Each client numbers its rows: n = client_id * CLIENT_STRIDE + base + i (pgbench keeps a
// client's variables across transactions), so every reveal deletes a row that exists, once.
const CLIENT_STRIDE = 1_000_000_000

function createScript (): string {
  const ciphertext = randomBytes(sealedSize()).toString('hex')
  return `\\set r random(1, 9000000000000000000)
with stored as (
  insert into secret (id, ref, ciphertext, passphrase_hash, reveal_requires_passphrase, expires_at)
  values (sha256(int8send(:r)), left(md5(:r::text), 24), '\\x${ciphertext}'::bytea, null, false, now() + make_interval(secs => 86400))
  returning ref, created_at, expires_at
), receipted as (
  insert into receipt (id, secret_ref, created_at, expires_at)
  select sha256(int8send(:r) || '\\x01'::bytea), ref, created_at, expires_at from stored
), logged as (
  insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
  select 'created', ref, '127.0.0.1', null, 'pgbench', 'req-1', '{"ttl_seconds": 86400, "passphrase": false, "reveal_requires_passphrase": false, "size_bucket_bytes": 1152}'::jsonb
  from stored
)
select expires_at from stored;
`
}

const REVEAL_SCRIPT = `\\set i :i + 1
\\set n :client_id * ${CLIENT_STRIDE} + :base + :i
with taken as (
  delete from secret
  where id = sha256(int8send(:n))
    and reveal_requires_passphrase = false
    and (null::text is null or passphrase_hash = null)
  returning ref, ciphertext, created_at, expires_at > now() as live
), logged as (
  insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
  select
    case when live then 'revealed' else 'expired' end,
    ref, '127.0.0.1', null, 'pgbench', 'req-1',
    jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at)))
  from taken
)
select case when live then ciphertext end as ciphertext from taken;
`

interface PgbenchRun { tps: number, latencyMs: number, failed: number }

function pgbench (db: ThrowawayDatabase, script: string, args: string[]): PgbenchRun {
  const result = spawnSync('pgbench', ['-h', db.endpoint.host, '-p', String(db.endpoint.port), '-U', db.endpoint.user, '-n', '-M', 'prepared', '-j', '2', ...args, '-f', script, db.name], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`pgbench failed: ${result.stderr}`)
  const number = (pattern: RegExp): number => Number(pattern.exec(result.stdout)?.[1] ?? Number.NaN)
  return { tps: number(/tps = ([\d.]+)/), latencyMs: number(/latency average = ([\d.]+) ms/), failed: number(/number of failed transactions: (\d+)/) }
}

export async function measurePgbench (db: ThrowawayDatabase, timing: Timing, log: (line: string) => void): Promise<PgbenchResult | undefined> {
  const version = tryRun('pgbench', ['--version'])
  if (version === undefined) {
    log('  pgbench is not installed (Debian: postgresql-client); skipped')
    return undefined
  }
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-pgbench-'))
  const clients = timing.connections
  const result: PgbenchResult = { version, clients, create: { tps: [], latencyMs: [] }, reveal: { tps: [], latencyMs: [] } }
  try {
    const createFile = join(dir, 'create.sql')
    const revealFile = join(dir, 'reveal.sql')
    writeFileSync(createFile, createScript())
    writeFileSync(revealFile, REVEAL_SCRIPT)
    for (let round = 1; round <= timing.rounds; round++) {
      await db.sql`truncate secret, audit_log cascade`
      if (timing.warmupSeconds > 0) pgbench(db, createFile, ['-c', String(clients), '-T', String(timing.warmupSeconds)])
      const run = pgbench(db, createFile, ['-c', String(clients), '-T', String(timing.measureSeconds)])
      result.create.tps.push(run.tps)
      result.create.latencyMs.push(run.latencyMs)
      log(`  pgbench create round ${round}: ${run.tps.toFixed(0)} tps, ${run.latencyMs} ms average`)

      // Reveal: rows for both the warm-up and the measured run, sized from the create rate.
      const warmupPerClient = Math.ceil(run.tps * timing.warmupSeconds / clients)
      const measuredPerClient = Math.ceil(run.tps * timing.measureSeconds / clients)
      await db.sql`truncate secret, audit_log cascade`
      await db.sql`
        insert into secret (id, ref, ciphertext, expires_at)
        select sha256(int8send(c::bigint * ${CLIENT_STRIDE} + i)), left(md5((c::bigint * ${CLIENT_STRIDE} + i)::text), 24),
               substring(decode(repeat(md5(i::text), ${Math.ceil(sealedSize() / 16)}), 'hex') for ${sealedSize()}), now() + interval '1 day'
        from generate_series(0, ${clients - 1}) as c, generate_series(1, ${warmupPerClient + measuredPerClient}) as i`
      await db.sql`vacuum analyze secret`
      if (warmupPerClient > 0) pgbench(db, revealFile, ['-c', String(clients), '-t', String(warmupPerClient), '-D', 'i=0', '-D', 'base=0'])
      const reveal = pgbench(db, revealFile, ['-c', String(clients), '-t', String(measuredPerClient), '-D', 'i=0', '-D', `base=${warmupPerClient}`])
      const [left] = await db.sql<{ count: number }[]>`select count(*)::int as count from secret`
      result.reveal.tps.push(reveal.tps)
      result.reveal.latencyMs.push(reveal.latencyMs)
      log(`  pgbench reveal round ${round}: ${reveal.tps.toFixed(0)} tps, ${reveal.latencyMs} ms average, ${left?.count ?? '?'} rows left (expected 0)`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return result
}
