// `npm run soak -- --minutes=10 --clients=40`: long mixed load, then checks no double reveal, audit = successes, flat memory.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import postgres from 'postgres'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { connect, createThrowawayDatabase, SHARED_POSTGRES, type ThrowawayDatabase } from './bench/database.ts'
import { memoryMiB } from './bench/proc.ts'
import { startServer, type RunningServer } from './bench/server.ts'
import { round3, summarizeLatency, type LatencySummary } from './bench/stats.ts'

const USAGE = 'usage: npm run soak -- [--minutes=10] [--clients=40] [--sample-seconds=5] [--out=FILE]  (BURNLINK_URL=… to soak a running server)'
// Every client shares one IP: per-IP rate limits would turn the soak into a test of the limiter.
const UNLIMITED = { STORAGE_QUOTA_BYTES_PER_CLIENT: '0', RATE_LIMIT_CREATE_PER_MINUTE: '0', RATE_LIMIT_READ_PER_MINUTE: '0', RATE_LIMIT_DELETE_PER_MINUTE: '0' }
type Op = 'create' | 'reveal' | 'double-reveal' | 'delete' | 'reveal-after-delete'

function options (argv: readonly string[]): { minutes: number, clients: number, sampleSeconds: number, out: string } {
  const flags = new Map<string, string>()
  for (const arg of argv) {
    const match = /^--(minutes|clients|sample-seconds|out)=(.+)$/.exec(arg)
    if (match === null) throw new Error(`unknown argument ${arg}\n${USAGE}`)
    flags.set(match[1] as string, match[2] as string)
  }
  const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19)
  return {
    minutes: Number(flags.get('minutes') ?? 10),
    clients: Number(flags.get('clients') ?? 40),
    sampleSeconds: Number(flags.get('sample-seconds') ?? 5),
    out: flags.get('out') ?? join('bench-results', `soak-${stamp}.json`)
  }
}

const log = (line: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`) }

/** Everything the clients saw: status counts per operation, latencies, reveals per key. */
class Tally {
  readonly statuses: Record<string, Record<string, number>> = {}
  readonly latencies: Record<string, number[]> = {}
  readonly revealsByKey = new Map<string, number>()
  readonly refs: string[] = []
  readonly wrongPlaintext: string[] = []
  succeeded = { created: 0, revealed: 0, deleted: 0 }

  record (op: string, status: number | 'network-error', ms: number): void {
    const byStatus = (this.statuses[op] ??= {})
    byStatus[String(status)] = (byStatus[String(status)] ?? 0) + 1
    ;(this.latencies[op] ??= []).push(ms)
  }
}

async function call (tally: Tally, op: Op, url: string, init: RequestInit): Promise<{ status: number, body: unknown }> {
  const started = performance.now()
  try {
    const res = await fetch(url, init)
    const body: unknown = await res.json().catch(() => undefined)
    tally.record(op, res.status, performance.now() - started)
    return { status: res.status, body }
  } catch {
    tally.record(op, 'network-error', performance.now() - started)
    return { status: 0, body: undefined }
  }
}

async function reveal (tally: Tally, base: string, key: string, plaintext: string, op: Op): Promise<void> {
  const { status, body } = await call(tally, op, `${base}/secret/${key}`, {})
  if (status !== 200) return
  tally.succeeded.revealed++
  tally.revealsByKey.set(key, (tally.revealsByKey.get(key) ?? 0) + 1)
  if ((body as { secret?: unknown }).secret !== plaintext) tally.wrongPlaintext.push(key)
}

/** One client: create, then reveal / reveal twice at once / delete (+ late reveal) / leave unread. */
async function client (tally: Tally, base: string, until: number): Promise<void> {
  const json = { 'content-type': 'application/json' }
  while (Date.now() < until) {
    const plaintext = randomBytes(16 + Math.floor(Math.random() * 512)).toString('base64')
    const created = await call(tally, 'create', `${base}/secret`, { method: 'POST', headers: json, body: JSON.stringify({ secret: plaintext }) })
    if (created.status !== 201) continue
    tally.succeeded.created++
    const key = (created.body as { secret_key: string }).secret_key
    tally.refs.push(parseToken(key)?.ref ?? 'malformed')
    tally.revealsByKey.set(key, 0)
    const dice = Math.random()
    if (dice < 0.45) {
      await reveal(tally, base, key, plaintext, 'reveal')
    } else if (dice < 0.7) {
      // Two readers race for one key: the product promises exactly one of them wins.
      await Promise.all([reveal(tally, base, key, plaintext, 'double-reveal'), reveal(tally, base, key, plaintext, 'double-reveal')])
    } else if (dice < 0.9) {
      const deleted = await call(tally, 'delete', `${base}/secret/${key}`, { method: 'DELETE' })
      if (deleted.status === 200) tally.succeeded.deleted++
      await reveal(tally, base, key, plaintext, 'reveal-after-delete')
    } // else: left unread, as many real secrets are
  }
}

interface Sample { atSeconds: number, rssMiB: number }

interface Third { meanMiB: number, minMiB: number, maxMiB: number }

function memoryVerdict (samples: readonly Sample[]): { warmupSeconds: number, firstThird: Third, lastThird: Third, growthMiB: number, flat: boolean } | undefined {
  // The first 10 % (at least one sample) is warm-up: JIT, pools and caches filling.
  const steady = samples.slice(Math.max(1, Math.floor(samples.length / 10)))
  if (steady.length < 6) return undefined
  const third = Math.floor(steady.length / 3)
  const describe = (xs: readonly Sample[]): Third => {
    const rss = xs.map((s) => s.rssMiB)
    return { meanMiB: round1(rss.reduce((sum, x) => sum + x, 0) / rss.length), minMiB: Math.min(...rss), maxMiB: Math.max(...rss) }
  }
  const first = describe(steady.slice(0, third))
  const last = describe(steady.slice(-third))
  // Flat = the last third's mean within 10 % (+5 MiB of GC noise) of the first's; a leak grows
  // without bound, while a garbage-collected heap saws up and down around a level.
  return { warmupSeconds: steady[0]?.atSeconds ?? 0, firstThird: first, lastThird: last, growthMiB: round1(last.meanMiB - first.meanMiB), flat: last.meanMiB <= first.meanMiB * 1.1 + 5 }
}

async function auditCounts (sql: postgres.Sql, refs: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < refs.length; i += 10_000) {
    const rows = await sql<{ event: string, n: string }[]>`
      select event, count(*) as n
      from audit_log
      where secret_ref = any(${refs.slice(i, i + 10_000) as string[]})
      group by event`
    for (const row of rows) counts[row.event] = (counts[row.event] ?? 0) + Number(row.n)
  }
  return counts
}

const round1 = (x: number): number => Math.round(x * 10) / 10
const roundAll = (l: LatencySummary): LatencySummary => ({ p50: round3(l.p50), p90: round3(l.p90), p99: round3(l.p99), max: round3(l.max) })

async function main (): Promise<void> {
  const opts = options(process.argv.slice(2))
  let server: RunningServer | undefined
  let db: ThrowawayDatabase | undefined
  let audit: postgres.Sql | undefined
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-soak-'))
  let base = process.env.BURNLINK_URL
  try {
    if (base === undefined) {
      db = await createThrowawayDatabase(SHARED_POSTGRES, 'burnlink_soak')
      server = await startServer({ env: { POSTGRES_HOST: SHARED_POSTGRES.host, POSTGRES_PORT: String(SHARED_POSTGRES.port), POSTGRES_USER: SHARED_POSTGRES.user, POSTGRES_DB: db.name, DATA_DIR: dataDir, ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...UNLIMITED } })
      base = server.url
      audit = db.sql
      log(`server pid ${server.pid} at ${base}, database ${db.name}`)
    } else if (process.env.POSTGRES_DB !== undefined) {
      audit = connect(SHARED_POSTGRES, process.env.POSTGRES_DB)
    }
    const tally = new Tally()
    const samples: Sample[] = []
    const started = Date.now()
    const until = started + opts.minutes * 60_000
    const pid = server?.pid
    const sampler = setInterval(() => {
      const memory = pid === undefined ? undefined : memoryMiB(pid)
      if (memory !== undefined) samples.push({ atSeconds: Math.round((Date.now() - started) / 1000), rssMiB: round1(memory.rss) })
      log(`${tally.succeeded.created} created, ${tally.succeeded.revealed} revealed, ${tally.succeeded.deleted} deleted${memory === undefined ? '' : `, rss ${memory.rss.toFixed(1)} MiB`}`)
    }, opts.sampleSeconds * 1000)
    log(`soaking ${base} for ${opts.minutes} min with ${opts.clients} clients`)
    await Promise.all(Array.from({ length: opts.clients }, async () => await client(tally, base as string, until)))
    clearInterval(sampler)
    const seconds = (Date.now() - started) / 1000

    const revealedTwice = [...tally.revealsByKey.values()].filter((n) => n > 1).length
    const counts = audit === undefined ? undefined : await auditCounts(audit, tally.refs)
    const auditMatches = counts === undefined
      ? undefined
      : (counts.created ?? 0) === tally.succeeded.created && (counts.revealed ?? 0) === tally.succeeded.revealed && (counts.deleted ?? 0) === tally.succeeded.deleted
    const memory = memoryVerdict(samples)
    const latencyMs: Record<string, LatencySummary> = {}
    for (const [op, values] of Object.entries(tally.latencies)) latencyMs[op] = roundAll(summarizeLatency(Float64Array.from(values)))
    const result = {
      startedAt: new Date(started).toISOString(),
      command: `npm run soak -- ${process.argv.slice(2).join(' ')}`.trim(),
      target: server === undefined ? base : 'child process on a throwaway database of the machine\'s PostgreSQL',
      minutes: opts.minutes,
      clients: opts.clients,
      seconds: round1(seconds),
      succeeded: tally.succeeded,
      requestsPerSecond: round1(Object.values(tally.latencies).reduce((sum, xs) => sum + xs.length, 0) / seconds),
      statuses: tally.statuses,
      latencyMs,
      keys: tally.revealsByKey.size,
      revealedTwice,
      wrongPlaintext: tally.wrongPlaintext.length,
      audit: counts === undefined ? 'skipped: no database access (set POSTGRES_DB with BURNLINK_URL)' : { counts, matches: auditMatches },
      memory: memory ?? 'skipped: no server pid or too few samples',
      rssSamples: samples,
      passed: revealedTwice === 0 && tally.wrongPlaintext.length === 0 && auditMatches !== false && memory?.flat !== false
    }
    mkdirSync(dirname(opts.out), { recursive: true })
    writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n')
    const { rssSamples: _omit, ...summary } = result
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n')
    log(`${result.passed ? 'PASSED' : 'FAILED'}; results in ${opts.out}`)
    process.exitCode = result.passed ? 0 : 1
  } finally {
    await server?.stop()
    if (audit !== undefined && audit !== db?.sql) await audit.end()
    await db?.drop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
