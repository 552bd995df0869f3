// Reveals with many secrets stored: their latency at a fixed rate at each level (10 k and 1 M),
// and the bytes a stored 1 KiB secret takes in PostgreSQL.
import { execFileSync } from 'node:child_process'
import { measureAtRate, rateTarget, type FixedRateResult } from './fixed-rate.ts'
import type { Timing } from './options.ts'
import { seedFiller } from './seed.ts'
import type { Subject } from './subject.ts'

export interface ScaleLevel {
  stored: number
  /** Table, TOAST and indexes of `secret`, per stored secret. */
  bytesPerSecret: number
  revealAtRate: FixedRateResult
}

/**
 * Writes a bulk load's pages to disk before anything is measured: a million rows inserted in
 * seconds leave dirty pages that the kernel writes back some seconds later, in the middle of the
 * next window, where every commit's WAL flush waits behind it. Secrets that pile up over hours
 * never leave that much unwritten at once.
 */
export function flushBulkLoad (): void {
  try {
    execFileSync('sync')
  } catch {} // no sync(1): measured anyway
}

export async function measureLevel (subject: Subject, level: number, rate: number, timing: Timing, workDir: string, log: (line: string) => void): Promise<ScaleLevel> {
  const db = subject.db
  if (db === undefined) throw new Error('scale needs the bench to reach the database')
  const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from secret`
  if (level > (count?.n ?? 0)) {
    log(`  storing ${level - (count?.n ?? 0)} secrets`)
    await seedFiller(db.sql, level - (count?.n ?? 0))
  }
  await db.sql`vacuum analyze secret`
  flushBulkLoad()
  const [size] = await db.sql<{ total: number, rows: number }[]>`select pg_total_relation_size('secret')::float8 as total, count(*)::float8 as rows from secret`
  const stored = size?.rows ?? 0
  // The keys a window reveals are seeded on top of the level, so that it never drops below it.
  const revealAtRate = await measureAtRate({ ...rateTarget(subject), label: `at ${stored} stored,` }, 'reveal', rate, timing, workDir, log)
  return { stored, bytesPerSecret: Math.round((size?.total ?? 0) / stored), revealAtRate }
}
