// Runs the load generator's child process (HTTP load or the database ceiling), charges the CPU
// its measured window cost the server and the database, and sums rounds up into a workload.
import { fork } from 'node:child_process'
import type { CeilingSpec, ChildMessage, LoadResult, LoadSpec } from './load-child.ts'
import { cpuSeconds } from './proc.ts'
import { round3, spread, type Spread } from './stats.ts'

/** What is measured besides the load: the server process and the PostgreSQL backends. */
export interface Target {
  serverPid?: number
  /** Looked up as the measured window opens. */
  backendPids?: () => Promise<number[]>
  /** Set once the server has exited: a window during which it died must not count. */
  exitReport?: () => string | undefined
}

export interface RoundResult extends LoadResult {
  /** CPU µs per successful request of the server process and of the backends. */
  serverCpuUs?: number
  dbCpuUs?: number
}

export function startLoad (spec: LoadSpec | CeilingSpec, target: Target = {}): { result: Promise<RoundResult>, stop: () => void } {
  const child = fork(new URL('./load-child.ts', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const server = target.serverPid === undefined ? [] : [target.serverPid]
  const result = new Promise<RoundResult>((resolve, reject) => {
    let start: { server: number, db: number, pids: number[] } | undefined
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'measuring') {
        const serverCpu = cpuSeconds(server)
        void (target.backendPids?.() ?? Promise.resolve([])).then((pids) => { start = { server: serverCpu, db: cpuSeconds(pids), pids } }, reject)
      } else if (message.type === 'result') {
        // A crashed server answers nothing: stop the run with its last words rather than publish zeros.
        const exited = target.exitReport?.()
        if (exited !== undefined) return reject(new Error(exited))
        const round: RoundResult = message.result
        // IPC carries JSON: the percentiles of a window without a success arrive as null.
        for (const key of ['p50', 'p90', 'p99', 'max'] as const) round.latencyMs[key] ??= Number.NaN
        if (start !== undefined && round.ok > 0) {
          if (server.length > 0) round.serverCpuUs = (cpuSeconds(server) - start.server) / round.ok * 1e6
          if (start.pids.length > 0) round.dbCpuUs = (cpuSeconds(start.pids) - start.db) / round.ok * 1e6
        }
        resolve(round)
      } else {
        reject(new Error(`load generator failed: ${message.message}`))
      }
    })
    child.on('exit', (code) => { if (code !== 0) reject(new Error(`load generator exited with ${code}`)) })
    child.send({ type: 'run', spec: 'workload' in spec ? { ...spec, serverPid: target.serverPid } : spec })
  })
  return { result, stop: () => { if (child.connected) child.send({ type: 'stop' }) } }
}

export async function runLoad (spec: LoadSpec | CeilingSpec, target: Target = {}): Promise<RoundResult> {
  return await startLoad(spec, target).result
}

export interface WorkloadSummary {
  rounds: number
  okPerSecond: Spread
  p50Ms: Spread
  p99Ms: Spread
  /** Medians over the rounds. */
  serverCpuUs?: number
  dbCpuUs?: number
  /** Non-2xx responses, errors and timeouts over all rounds. */
  failures: number
  statuses: Record<string, number>
  /** The server's peak RSS over this workload's rounds (VmHWM, reset as it starts). */
  peakRssMiB?: number
}

export function summarize (rounds: readonly RoundResult[]): WorkloadSummary {
  const over = (f: (r: RoundResult) => number | undefined): Spread => {
    const s = spread(rounds.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)))
    return { median: round3(s.median), min: round3(s.min), max: round3(s.max) }
  }
  const statuses: Record<string, number> = {}
  let failures = 0
  for (const round of rounds) {
    for (const [code, count] of Object.entries(round.statuses)) {
      statuses[code] = (statuses[code] ?? 0) + count
      if (!code.startsWith('2')) failures += count
    }
    failures += round.errors + round.timeouts
  }
  const serverCpuUs = over((r) => r.serverCpuUs).median
  const dbCpuUs = over((r) => r.dbCpuUs).median
  return {
    rounds: rounds.length,
    okPerSecond: over((r) => r.okPerSecond),
    p50Ms: over((r) => r.latencyMs.p50),
    p99Ms: over((r) => r.latencyMs.p99),
    ...(Number.isFinite(serverCpuUs) ? { serverCpuUs } : {}),
    ...(Number.isFinite(dbCpuUs) ? { dbCpuUs } : {}),
    failures,
    statuses
  }
}
