// A setting of the deployment measured against its own ceiling (the unix-socket and small-pool
// phases): the same statements through postgres.js over that endpoint with that pool size, then
// Burnlink's creates and reveals on a server configured the same way.
import { measureDatabaseCeiling } from './baselines.ts'
import { createThrowawayDatabase, type PgEndpoint } from './database.ts'
import type { WorkloadSummary } from './load.ts'
import { startSubject } from './subject.ts'
import { runWorkload, type Timing } from './workloads.ts'
import { migrate } from '../../functions/_lib/platform/migrate.ts'

export interface VariantSpec {
  endpoint: PgEndpoint
  poolSize: number
  /** The server's environment; POSTGRES_POOL_SIZE is set from poolSize. */
  serverEnv: Record<string, string>
  timing: Timing
  outDir: string
  /** Requests/s the first ceiling round is sized for (key-consuming workloads run a fixed count). */
  expectedRate: number
}

export interface VariantResult {
  ceiling: { create: WorkloadSummary, reveal: WorkloadSummary }
  workloads: { create: WorkloadSummary, reveal: WorkloadSummary }
}

export async function measureVariant (spec: VariantSpec, log: (line: string) => void): Promise<VariantResult> {
  const { endpoint, poolSize, timing, outDir, expectedRate } = spec
  const db = await createThrowawayDatabase(endpoint)
  let ceiling: VariantResult['ceiling']
  try {
    await migrate(db.sql, { info: () => {} })
    const create = await measureDatabaseCeiling(db, 'create', { ...timing, poolSize }, expectedRate, log)
    const reveal = await measureDatabaseCeiling(db, 'reveal', { ...timing, poolSize }, create.okPerSecond.max * 1.2, log)
    ceiling = { create, reveal }
  } finally {
    await db.drop()
  }
  const subject = await startSubject({ endpoint, env: { ...spec.serverEnv, POSTGRES_POOL_SIZE: String(poolSize) }, connections: timing.connections })
  try {
    const create = await runWorkload(subject, 'create', timing, outDir, expectedRate, log)
    const reveal = await runWorkload(subject, 'reveal', timing, outDir, expectedRate, log)
    return { ceiling, workloads: { create, reveal } }
  } finally {
    await subject.stop()
  }
}
