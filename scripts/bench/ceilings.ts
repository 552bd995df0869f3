// The ceilings every workload is read against, measured in the same run: the HTTP floor (a bare
// Fastify route) and the database ceiling (the store's statements through postgres.js, no HTTP).
import { backendPids, type ThrowawayDatabase } from './database.ts'
import { runLoad, summarize, type RoundResult, type WorkloadSummary } from './load.ts'
import type { Timing } from './options.ts'
import { sealedSize } from './seed.ts'
import type { RunningServer } from './server.ts'

type Log = (line: string) => void

export async function measureBare (server: RunningServer, timing: Timing, log: Log): Promise<WorkloadSummary> {
  const rounds: RoundResult[] = []
  for (let round = 1; round <= timing.rounds; round++) {
    const result = await runLoad({ url: server.url, workload: 'bare', connections: timing.connections, warmup: { seconds: timing.warmupSeconds }, measure: { seconds: timing.measureSeconds } }, { serverPid: server.pid, exitReport: server.exitReport })
    rounds.push(result)
    log(`  bare route round ${round}: ${result.okPerSecond.toFixed(0)} req/s, p99 ${result.latencyMs.p99.toFixed(2)} ms`)
  }
  return summarize(rounds)
}

/**
 * The statements on a database of their own, with the HTTP load's concurrency and the server's
 * pool size. Reveals take rows with ids sha256(int8send(n)), which the load child recomputes,
 * each once; `expectedRate` sizes how many there are.
 */
export async function measureDatabaseCeiling (db: ThrowawayDatabase, statement: 'create' | 'reveal', timing: Timing, poolSize: number, expectedRate: number, log: Log): Promise<WorkloadSummary> {
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
    const result = await runLoad({
      database: { ...db.endpoint, database: db.name },
      statement,
      connections: timing.connections,
      poolSize,
      warmup: { seconds: timing.warmupSeconds },
      measure: { seconds: timing.measureSeconds },
      idCount,
      ciphertextBytes: size
    }, { backendPids: async () => await backendPids(db) })
    rounds.push(result)
    const short = result.seconds < timing.measureSeconds * 0.95 ? ' (ran out of rows early)' : ''
    log(`  postgres.js ${statement} round ${round}: ${result.okPerSecond.toFixed(0)} ops/s, p99 ${result.latencyMs.p99.toFixed(2)} ms${short}`)
  }
  return summarize(rounds)
}
