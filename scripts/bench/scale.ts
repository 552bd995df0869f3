// Scale: reveal/create at 10 k, 100 k and 1 M stored secrets, bytes per stored secret, and the
// purge job deleting expired rows while reads continue at a fixed rate.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { EnvSchema, loadConfig } from '../../functions/_lib/platform/config.ts'
import { purgeExpired } from '../../functions/purge-expired.ts'
import { connect, SHARED_POSTGRES } from './database.ts'
import { fixedRateRounds, measureAtRate } from './fixed-rate.ts'
import { runLoad, startLoad, summarize } from './load.ts'
import type { BenchOptions } from './options.ts'
import type { PurgeResult, ScaleLevel, ScaleResult } from './results.ts'
import { round3 } from './stats.ts'
import { startSubject, type Subject } from './subject.ts'
import { seedFiller } from './seed.ts'

// The purge runs as production's defaults have it, read from the configuration schema itself;
// PURGE_ROWS_PER_SECOND in the bench's environment measures another pace.
const PURGE_BATCH_SIZE = Number(EnvSchema.properties.PURGE_BATCH_SIZE.default)
const PURGE_ROWS_PER_SECOND = purgePace(process.env.PURGE_ROWS_PER_SECOND)

/** The purge's pace: PURGE_ROWS_PER_SECOND as given to the bench, checked as the server checks it. */
export function purgePace (given: string | undefined): number {
  return loadConfig(given === undefined ? {} : { PURGE_ROWS_PER_SECOND: given }).purgeRowsPerSecond
}

/**
 * Writes the bulk load's pages to disk before anything is measured. A million rows inserted in
 * seconds leave ~1.4 GB of dirty pages in the OS cache; the kernel flushes them ~30 s later, in
 * the middle of the next window, and every commit's WAL flush waits behind that write-back
 * (reveal p99 at 1,000/s: 340–460 ms at 1 M vs 5–7 ms at 10 k in three runs). Secrets that
 * accumulate over hours never pile up that much unwritten data at once.
 */
function flushBulkLoad (): void {
  try {
    execFileSync('sync')
  } catch {
    // No sync(1): measure anyway.
  }
}

export async function measureScale (options: BenchOptions, env: Record<string, string>, log: (line: string) => void): Promise<ScaleResult> {
  // The scheduled purge stays off: the purge measured below is the only one touching the table.
  const subject = await startSubject({ endpoint: SHARED_POSTGRES, env: { ...env, RUN_WORKER: 'false' }, connections: options.connections })
  const db = subject.db
  if (db === undefined) throw new Error('scale needs PostgreSQL')
  const result: ScaleResult = { levels: [] }
  try {
    if (options.only.has('scale')) {
      for (const level of options.scaleLevels) result.levels.push(await measureLevel(subject, level, options, log))
    }
    if (options.only.has('purge')) result.purge = await measurePurge(subject, options, log)
    const [audit] = await db.sql<{ bytes: number, rows: number }[]>`select pg_total_relation_size('audit_log')::float8 as bytes, count(*)::float8 as rows from audit_log`
    if (audit !== undefined && audit.rows > 0) result.auditBytesPerEvent = Math.round(audit.bytes / audit.rows)
  } finally {
    await subject.stop()
  }
  return result
}

async function storedCount (subject: Subject): Promise<number> {
  const [row] = await (subject.db?.sql ?? failNoDb())<{ count: number }[]>`select count(*)::int as count from secret`
  return row?.count ?? 0
}

function failNoDb (): never { throw new Error('scale needs PostgreSQL') }

async function measureLevel (subject: Subject, level: number, options: BenchOptions, log: (line: string) => void): Promise<ScaleLevel> {
  const sql = subject.db?.sql ?? failNoDb()
  const seconds = Math.max(2, Math.round(options.measureSeconds / 2))
  const warmup = Math.max(1, Math.round(options.warmupSeconds / 2))
  // The keys a window reads are seeded on top of the level just before it, so the stored count
  // never falls below the level while it is measured. Until run 8 they were part of the level,
  // which left the 10 k level one second at the rate: a p99 of its ten slowest reveals.
  const satWarmup = Math.min(4000 * warmup, Math.round(level * 0.05))
  const satMeasure = Math.min(4000 * seconds, Math.round(level * 0.2))
  const missing = level - await storedCount(subject)
  if (missing > 0) await seedFiller(sql, missing)
  await sql`vacuum analyze secret`
  flushBulkLoad()
  const [size] = await sql<{ total: number, heap: number, indexes: number, rows: number }[]>`
    select pg_total_relation_size('secret')::float8 as total, pg_relation_size('secret')::float8 as heap,
           pg_indexes_size('secret')::float8 as indexes, count(*)::float8 as rows
    from secret`
  if (size === undefined) throw new Error('no size')
  const stored = size.rows
  log(`  ${stored} stored: ${(size.total / stored).toFixed(0)} bytes per secret (heap ${(size.heap / 2 ** 20).toFixed(0)} MiB, indexes ${(size.indexes / 2 ** 20).toFixed(0)} MiB)`)

  const revealAtRate = await measureAtRate(subject, 'reveal', options, fixedRateRounds(options), (line) => { log(`  at ${stored}:${line.trimStart().replace(/^reveal/, '')}`) })
  const satKeys = join(options.outDir, `keys-scale-${level}-sat.txt`)
  await subject.seed(satWarmup + satMeasure + options.connections, satKeys)
  const reveal = await runLoad({ url: subject.server.url, workload: 'reveal', connections: options.connections, warmup: { amount: satWarmup }, measure: { amount: satMeasure }, keysFile: satKeys }, subject.target)
  // Last: the creates add rows, which the next level's top-up counts.
  const create = await runLoad({ url: subject.server.url, workload: 'create', connections: options.connections, warmup: { seconds: warmup }, measure: { seconds } }, subject.target)
  log(`  at ${stored}: reveal ${reveal.okPerSecond.toFixed(0)}/s p99 ${reveal.latencyMs.p99.toFixed(2)} ms; at ${options.fixedRate}/s p99 ${revealAtRate.p99Ms.toFixed(2)} ms (median of ${revealAtRate.rounds.length}); create ${create.okPerSecond.toFixed(0)}/s p99 ${create.latencyMs.p99.toFixed(2)} ms`)
  return {
    stored,
    bytesPerSecret: Math.round(size.total / stored),
    tableBytes: size.heap,
    indexBytes: size.indexes,
    reveal: summarize('reveal', [reveal]),
    create: summarize('create', [create]),
    revealAtRate
  }
}

/**
 * How long the reads beside the purge may run (their keys are seeded for it): the paced purge's
 * own duration with room to spare, so that a slower pace never ends the reads before the purge.
 */
export function purgeWindowSeconds (rows: number, rowsPerSecond: number, quick: boolean): number {
  const unpaced = quick ? 30 : 240
  return rowsPerSecond > 0 ? Math.max(unpaced, Math.ceil(rows / rowsPerSecond * 1.25) + 20) : unpaced
}

async function measurePurge (subject: Subject, options: BenchOptions, log: (line: string) => void): Promise<PurgeResult> {
  const db = subject.db ?? failNoDb()
  const rows = options.purgeRows
  log(`  inserting ${rows} expired secrets`)
  await seedFiller(db.sql, rows, true)
  await db.sql`vacuum analyze secret`
  flushBulkLoad()
  const rate = Math.round(options.fixedRate / 2)
  const seconds = options.measureSeconds
  const beforeKeys = join(options.outDir, 'keys-purge-before.txt')
  const duringKeys = join(options.outDir, 'keys-purge-during.txt')
  const maxPurgeSeconds = purgeWindowSeconds(rows, PURGE_ROWS_PER_SECOND, options.quick)
  await subject.seed(rate * (seconds + 1) + 100, beforeKeys)
  await subject.seed(rate * (maxPurgeSeconds + 2), duringKeys)
  const readsBefore = await runLoad({ url: subject.server.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: 1 }, measure: { seconds }, keysFile: beforeKeys }, subject.target)

  const reads = startLoad({ url: subject.server.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: 1 }, measure: { seconds: maxPurgeSeconds }, keysFile: duringKeys }, subject.target)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  // The purge job's own function, on a pool of its own as in the worker process.
  const sql = connect(db.endpoint, db.name, 2, 'burnlink-purge-bench')
  const started = performance.now()
  let purged = 0
  try {
    for (;;) {
      const run = await purgeExpired(sql, PURGE_BATCH_SIZE, 100, { rowsPerSecond: PURGE_ROWS_PER_SECOND })
      purged += run.purged
      if (run.purged === 0) break
    }
  } finally {
    await sql.end()
  }
  const purgeSeconds = (performance.now() - started) / 1000
  reads.stop()
  const readsDuring = await reads.result
  log(`  purged ${purged} rows in ${purgeSeconds.toFixed(1)} s (${(purged / purgeSeconds).toFixed(0)}/s); reveal p99 at ${rate}/s before ${readsBefore.latencyMs.p99.toFixed(2)} ms, during ${readsDuring.latencyMs.p99.toFixed(2)} ms`)
  return { rows: purged, seconds: round3(purgeSeconds), rowsPerSecond: Math.round(purged / purgeSeconds), batchSize: PURGE_BATCH_SIZE, paceRowsPerSecond: PURGE_ROWS_PER_SECOND, readsBefore, readsDuring }
}
