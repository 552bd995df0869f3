// One Burnlink process per core: two servers on the same database, each with half the
// connections from its own load generator, measured together. Which wins on 2 cores where
// PostgreSQL needs CPU too: one process, or two (Node's cluster module or two instances behind the
// gateway amount to this)? Each round runs the first server alone with all the connections, then
// both: the two settings take turns, so a VM that slows down during the phase slows both alike.
import { join } from 'node:path'
import { SHARED_POSTGRES } from './database.ts'
import type { LoadSpec } from './load-child.ts'
import { startLoad, summarize, type RoundResult, type WorkloadSummary } from './load.ts'
import { startSubject, type Subject } from './subject.ts'
import { runRound, type Timing } from './workloads.ts'

export interface TwoProcessesResult {
  /** Both servers, half the connections each. */
  two: Record<string, WorkloadSummary>
  /** The first server alone with all the connections, in the same rounds. */
  one: Record<string, WorkloadSummary>
}

export async function measureTwoProcesses (timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<TwoProcessesResult> {
  const first = await startSubject({ endpoint: SHARED_POSTGRES, env, connections: timing.connections })
  let second: Subject | undefined
  try {
    second = await startSubject({ endpoint: SHARED_POSTGRES, env, connections: timing.connections, ...(first.db === undefined ? {} : { shareDatabase: first.db }) })
    const subjects = [first, second]
    const results: TwoProcessesResult = { two: {}, one: {} }
    for (const workload of ['create', 'reveal'] as const) {
      const rounds: RoundResult[] = []
      const alone: RoundResult[] = []
      for (let round = 1; round <= timing.rounds; round++) {
        alone.push(await runRound(first, workload, round, timing, outDir, expectedRate, (line) => { log(line.replace(/^ {2}\S+ /, '  one process ')) }))
        await first.reset()
        const connections = Math.ceil(timing.connections / 2)
        const specs = await Promise.all(subjects.map(async (subject, i): Promise<Pick<LoadSpec, 'warmup' | 'measure' | 'keysFile'>> => {
          if (workload === 'create') return { warmup: { seconds: timing.warmupSeconds }, measure: { seconds: timing.measureSeconds } }
          // Each server reads keys sealed under its own master key, so each seeds its own.
          const keysFile = join(outDir, `keys-two-${i}-${round}.txt`)
          const perServer = Math.max(connections, Math.round(expectedRate / 2 * timing.measureSeconds))
          const warm = Math.max(connections, Math.round(expectedRate / 2 * timing.warmupSeconds))
          await subject.seed(perServer + warm + 2 * connections, keysFile)
          return { warmup: { amount: warm }, measure: { amount: perServer }, keysFile }
        }))
        const handles = subjects.map((subject, i) => startLoad({ url: subject.server.url, workload, connections, ...(specs[i] as Pick<LoadSpec, 'warmup' | 'measure'>) }, subject.target))
        const [a, b] = await Promise.all(handles.map(async (h) => await h.result)) as [RoundResult, RoundResult]
        const combined = combine(a, b)
        rounds.push(combined)
        log(`  two processes ${workload} round ${round}: ${combined.okPerSecond.toFixed(0)} ok/s (${a.okPerSecond.toFixed(0)} + ${b.okPerSecond.toFixed(0)}), p99 ${combined.latencyMs.p99.toFixed(2)} ms, servers ${combined.serverCpuUs?.toFixed(0) ?? '?'} µs/req, db ${combined.dbCpuUs?.toFixed(0) ?? '?'} µs/req`)
      }
      results.two[workload] = summarize(`two-processes-${workload}`, rounds)
      results.one[workload] = summarize(workload, alone)
    }
    return results
  } finally {
    await second?.stop()
    await first.stop()
  }
}

/**
 * Two loads that ran side by side: throughputs add up; each server's CPU is charged to its own
 * requests; the database backends serve both, and each load saw (nearly) the same total, so one
 * side's figure is spread over all requests. p99 is the worse of the two.
 */
function combine (a: RoundResult, b: RoundResult): RoundResult {
  const ok = a.ok + b.ok
  const statuses: Record<string, number> = { ...a.statuses }
  for (const [code, n] of Object.entries(b.statuses)) statuses[code] = (statuses[code] ?? 0) + n
  const weighted = (x: number | undefined, y: number | undefined): number | undefined => x === undefined || y === undefined || ok === 0 ? undefined : (x * a.ok + y * b.ok) / ok
  const dbCpuUs = a.dbCpuUs === undefined || ok === 0 ? undefined : a.dbCpuUs * a.ok / ok
  const serverCpuUs = weighted(a.serverCpuUs, b.serverCpuUs)
  const clientCpuUs = weighted(a.clientCpuUs, b.clientCpuUs)
  return {
    workload: a.workload,
    seconds: Math.max(a.seconds, b.seconds),
    requests: a.requests + b.requests,
    ok,
    statuses,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
    okPerSecond: a.okPerSecond + b.okPerSecond,
    latencyMs: a.latencyMs.p99 >= b.latencyMs.p99 ? a.latencyMs : b.latencyMs,
    keysUsed: a.keysUsed + b.keysUsed,
    ...(serverCpuUs === undefined ? {} : { serverCpuUs }),
    ...(dbCpuUs === undefined ? {} : { dbCpuUs }),
    ...(clientCpuUs === undefined ? {} : { clientCpuUs })
  }
}
