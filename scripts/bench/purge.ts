// Purge under reads: the purge job's own function deletes many expired secrets at production's
// pace while reveals run at a fixed rate; their latency before the purge and during it.
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '../../functions/_lib/platform/config.ts'
import { purgeExpired } from '../../functions/purge-expired.ts'
import { connect } from './database.ts'
import type { LoadSpec } from './load-child.ts'
import { runLoad, startLoad, type RoundResult } from './load.ts'
import type { Timing } from './options.ts'
import { flushBulkLoad } from './scale.ts'
import { seedFiller } from './seed.ts'
import { round3 } from './stats.ts'
import type { Subject } from './subject.ts'

interface Reads { p50Ms: number, p99Ms: number, failures: number }

export interface PurgeResult {
  rows: number
  seconds: number
  /** PURGE_ROWS_PER_SECOND and PURGE_BATCH_SIZE as shipped. */
  paceRowsPerSecond: number
  batchSize: number
  /** The reveals' rate. */
  rate: number
  before: Reads
  during: Reads
}

const reads = (r: RoundResult): Reads => ({ p50Ms: round3(r.latencyMs.p50), p99Ms: round3(r.latencyMs.p99), failures: r.requests - r.ok + r.errors + r.timeouts })

export async function measurePurge (subject: Subject, rows: number, rate: number, timing: Timing, workDir: string, log: (line: string) => void): Promise<PurgeResult> {
  const db = subject.db
  if (db === undefined) throw new Error('purge needs the bench to reach the database')
  const { purgeBatchSize, purgeRowsPerSecond } = loadConfig({}) // the configuration's defaults
  log(`  storing ${rows} expired secrets`)
  await seedFiller(db.sql, rows, true)
  await db.sql`vacuum analyze secret`
  flushBulkLoad()
  // The reads beside the purge may last this long: the paced purge's own duration and then some.
  const longest = purgeRowsPerSecond > 0 ? Math.ceil(rows / purgeRowsPerSecond * 1.25) + 20 : 120
  const reveal = async (name: string, seconds: number): Promise<LoadSpec> => {
    const keysFile = join(workDir, `keys-purge-${name}.txt`)
    await subject.seed(rate * (timing.warmupSeconds + seconds + 2), keysFile)
    return { url: subject.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: timing.warmupSeconds }, measure: { seconds }, keysFile }
  }
  const before = await runLoad(await reveal('before', timing.measureSeconds), subject.target)
  const during = startLoad(await reveal('during', longest), subject.target)
  await sleep(timing.warmupSeconds * 1000 + 1000)
  // On a pool of its own, as in the worker process.
  const sql = connect(db.endpoint, db.name, 2, 'burnlink-purge-bench')
  const started = performance.now()
  let purged = 0
  try {
    for (;;) {
      const run = await purgeExpired(sql, purgeBatchSize, 100, { rowsPerSecond: purgeRowsPerSecond })
      purged += run.purged
      if (run.purged === 0) break
    }
  } finally {
    await sql.end()
  }
  const seconds = (performance.now() - started) / 1000
  during.stop()
  const result = { rows: purged, seconds: round3(seconds), paceRowsPerSecond: purgeRowsPerSecond, batchSize: purgeBatchSize, rate, before: reads(before), during: reads(await during.result) }
  log(`  purged ${purged} rows in ${seconds.toFixed(1)} s; reveal p99 at ${rate}/s before ${result.before.p99Ms} ms, during ${result.during.p99Ms} ms`)
  return result
}
