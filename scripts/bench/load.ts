// Runs the load generator in a child process and measures what the measured window cost in CPU.
import { fork } from 'node:child_process'
import type { CeilingSpec } from './ceiling-child.ts'
import type { ChildMessage, LoadResult, LoadSpec } from './load-child.ts'
import { cpuDelta, cpuSnapshot, cpuSplit, memoryMiB } from './proc.ts'
import { round3, spread, type Spread } from './stats.ts'

const CHILD = new URL('./load-child.ts', import.meta.url)
const CEILING_CHILD = new URL('./ceiling-child.ts', import.meta.url)

/** What is measured besides the load generator: the server and the database backends. */
export interface Target {
  serverPid?: number
  /** Pids of the PostgreSQL backends serving the server (looked up when the window opens). */
  backendPids?: () => Promise<number[]>
  /** Set when the server is a child process: a window during which it died must not count. */
  exitReport?: () => string | undefined
  /** Called as the measured window opens and as it closes (the allocation phase's sampler). */
  window?: { open: () => void, close: () => void }
}

export interface RoundResult extends LoadResult {
  /** CPU µs per successful request, server process (all threads). */
  serverCpuUs?: number
  /** Share of the server's CPU spent in the kernel (system calls: sockets above all). */
  serverSystemShare?: number
  /** CPU µs per successful request, PostgreSQL backends of the database. */
  dbCpuUs?: number
  serverRssMiB?: number
  /** CPU µs per successful request of the load generator (or SQL client) process itself. */
  clientCpuUs?: number
}

export interface LoadHandle {
  result: Promise<RoundResult>
  stop: () => void
}

export function startLoad (spec: LoadSpec | CeilingSpec, target: Target = {}, childModule: URL = CHILD): LoadHandle {
  const child = fork(childModule, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let before: { server: Map<number, number>, serverSplit: ReturnType<typeof cpuSplit>, db: Map<number, number>, client: Map<number, number>, pids: number[] } | undefined
  const clientPids = child.pid === undefined ? [] : [child.pid]
  const result = new Promise<RoundResult>((resolve, reject) => {
    let opening: Promise<void> = Promise.resolve()
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'measuring') {
        target.window?.open()
        opening = (async () => {
          const pids = await target.backendPids?.() ?? []
          before = { server: cpuSnapshot(target.serverPid === undefined ? [] : [target.serverPid]), serverSplit: target.serverPid === undefined ? undefined : cpuSplit(target.serverPid), db: cpuSnapshot(pids), client: cpuSnapshot(clientPids), pids }
        })()
      } else if (message.type === 'result') {
        target.window?.close()
        // A crashed server answers nothing: its window would read as NaN latencies and zero
        // throughput, and a run would publish them. Stop the run with the server's last words.
        const exited = target.exitReport?.()
        if (exited !== undefined) {
          reject(new Error(exited))
          return
        }
        const server = cpuSnapshot(target.serverPid === undefined ? [] : [target.serverPid])
        const serverSplit = target.serverPid === undefined ? undefined : cpuSplit(target.serverPid)
        const db = cpuSnapshot(before?.pids ?? [])
        const client = cpuSnapshot(clientPids)
        opening.then(() => {
          const load = message.result
          // IPC carries JSON: a run without successes has NaN percentiles, which arrive as null.
          for (const key of ['p50', 'p90', 'p99', 'max'] as const) load.latencyMs[key] ??= Number.NaN
          const round: RoundResult = { ...load }
          if (before !== undefined && load.ok > 0) {
            if (target.serverPid !== undefined) round.serverCpuUs = cpuDelta(before.server, server) / load.ok * 1e6
            if (serverSplit !== undefined && before.serverSplit !== undefined) {
              const system = serverSplit.system - before.serverSplit.system
              const total = system + serverSplit.user - before.serverSplit.user
              if (total > 0) round.serverSystemShare = system / total
            }
            if (target.backendPids !== undefined) round.dbCpuUs = cpuDelta(before.db, db) / load.ok * 1e6
            // The child exits right after reporting; if it is already gone, its figure is unknown.
            if (client.size === before.client.size && client.size > 0) round.clientCpuUs = cpuDelta(before.client, client) / load.ok * 1e6
          }
          const memory = target.serverPid === undefined ? undefined : memoryMiB(target.serverPid)
          if (memory !== undefined) round.serverRssMiB = memory.rss
          resolve(round)
        }, reject)
      } else {
        reject(new Error(`load generator failed: ${message.message}`))
      }
    })
    child.on('exit', (code) => { if (code !== 0) reject(new Error(`load generator exited with ${code}`)) })
    child.send({ type: 'run', spec })
  })
  return { result, stop: () => { if (child.connected) child.send({ type: 'stop' }) } }
}

export async function runLoad (spec: LoadSpec, target: Target = {}): Promise<RoundResult> {
  return await startLoad(spec, target).result
}

export async function runCeiling (spec: CeilingSpec, target: Target = {}): Promise<RoundResult> {
  return await startLoad(spec, target, CEILING_CHILD).result
}

export interface WorkloadSummary {
  workload: string
  rounds: number
  okPerSecond: Spread
  p50Ms: Spread
  p99Ms: Spread
  serverCpuUs?: Spread
  serverSystemShare?: Spread
  dbCpuUs?: Spread
  clientCpuUs?: Spread
  /** The server's peak RSS (VmHWM) over this workload's rounds alone, where it could be reset (PeakRss). */
  serverPeakRssMiB?: number
  /** Every non-2xx status and error, summed over all rounds: zero is the target. */
  failures: number
  statuses: Record<string, number>
  raw: RoundResult[]
}

export function summarize (workload: string, rounds: RoundResult[]): WorkloadSummary {
  const pick = (f: (r: RoundResult) => number | undefined): Spread | undefined => {
    const values = rounds.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v))
    if (values.length === 0) return undefined
    const s = spread(values)
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
  const serverCpuUs = pick((r) => r.serverCpuUs)
  const serverSystemShare = pick((r) => r.serverSystemShare)
  const clientCpuUs = pick((r) => r.clientCpuUs)
  const dbCpuUs = pick((r) => r.dbCpuUs)
  return {
    workload,
    rounds: rounds.length,
    okPerSecond: pick((r) => r.okPerSecond) ?? spread([]),
    p50Ms: pick((r) => r.latencyMs.p50) ?? spread([]),
    p99Ms: pick((r) => r.latencyMs.p99) ?? spread([]),
    ...(serverCpuUs === undefined ? {} : { serverCpuUs }),
    ...(serverSystemShare === undefined ? {} : { serverSystemShare }),
    ...(dbCpuUs === undefined ? {} : { dbCpuUs }),
    ...(clientCpuUs === undefined ? {} : { clientCpuUs }),
    failures,
    statuses,
    raw: rounds
  }
}
