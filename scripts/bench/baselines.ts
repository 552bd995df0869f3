// Baselines measured in the same run: the framework ceiling (bare Fastify route) and the database
// ceiling (the same statements through postgres.js, no HTTP).
import { backendPids, type ThrowawayDatabase } from './database.ts'
import { runCeiling, runLoad, summarize, type RoundResult, type WorkloadSummary } from './load.ts'
import { sealedSize } from './seed.ts'
import { startServer } from './server.ts'
import type { Timing } from './workloads.ts'

export async function measureBareFastify (timing: Timing, log: (line: string) => void): Promise<WorkloadSummary> {
  const server = await startServer({ env: {}, bare: true })
  const rounds: RoundResult[] = []
  try {
    for (let round = 1; round <= timing.rounds; round++) {
      const result = await runLoad({
        url: server.url,
        workload: 'bare',
        connections: timing.connections,
        warmup: { seconds: timing.warmupSeconds },
        measure: { seconds: timing.measureSeconds }
      }, { serverPid: server.pid, exitReport: server.exitReport })
      rounds.push(result)
      log(`  bare fastify round ${round}: ${result.okPerSecond.toFixed(0)} req/s, p99 ${result.latencyMs.p99.toFixed(2)} ms, ${result.serverCpuUs?.toFixed(1) ?? '?'} µs CPU/req`)
    }
  } finally {
    await server.stop()
  }
  return summarize('bare-fastify', rounds)
}

export interface CeilingOptions extends Timing {
  poolSize: number
  /** 'single': one statement per operation (the ceiling); 'batched': Burnlink's, per turn. */
  batching?: 'single' | 'batched'
}

/**
 * The statements on their own database, so Burnlink's server cannot interfere. Reveal rows get
 * ids sha256(int8send(n)), which the child recomputes; each id is deleted once.
 */
export async function measureDatabaseCeiling (db: ThrowawayDatabase, statement: 'create' | 'reveal', timing: CeilingOptions, expectedRate: number, log: (line: string) => void): Promise<WorkloadSummary> {
  const rounds: RoundResult[] = []
  const size = sealedSize()
  for (let round = 1; round <= timing.rounds; round++) {
    await db.sql`truncate secret, receipt, audit_log cascade`
    const idCount = statement === 'reveal' ? Math.ceil(expectedRate * (timing.warmupSeconds + timing.measureSeconds) * 1.5) : 0
    if (idCount > 0) {
      await db.sql`
        insert into secret (id, ref, ciphertext, expires_at)
        select sha256(int8send(n)), left(md5(n::text), 24), substring(decode(repeat(md5(n::text), ${Math.ceil(size / 16)}), 'hex') for ${size}), now() + interval '1 day'
        from generate_series(0, ${idCount - 1}) as n`
    }
    await db.sql`vacuum analyze secret`
    const result = await runCeiling({
      host: db.endpoint.host,
      port: db.endpoint.port,
      user: db.endpoint.user,
      database: db.name,
      statement,
      batching: timing.batching ?? 'single',
      concurrency: timing.connections,
      poolSize: timing.poolSize,
      warmupSeconds: timing.warmupSeconds,
      measureSeconds: timing.measureSeconds,
      firstId: 0,
      idCount,
      ciphertextBytes: size
    }, { backendPids: async () => await backendPids(db) })
    rounds.push(result)
    const exhausted = statement === 'reveal' && result.seconds < timing.measureSeconds * 0.95 ? ' (ran out of rows early)' : ''
    log(`  postgres.js ${statement}${timing.batching === 'batched' ? ' (batched)' : ''} round ${round}: ${result.okPerSecond.toFixed(0)} ops/s, p99 ${result.latencyMs.p99.toFixed(2)} ms, db ${result.dbCpuUs?.toFixed(0) ?? '?'} µs CPU/op${exhausted}`)
  }
  return summarize(`postgres.js-${statement}${timing.batching === 'batched' ? '-batched' : ''}`, rounds)
}
