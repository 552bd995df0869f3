// One process setting at several values, everything else as in production: saturation workloads
// in a fresh server process on a fresh database for each value, peak RSS against server CPU per
// request.
import { SHARED_POSTGRES } from './database.ts'
import type { WorkloadName } from './load-child.ts'
import type { WorkloadSummary } from './load.ts'
import { memoryMiB } from './proc.ts'
import { SERVER_NODE_ARGS } from './server.ts'
import { startSubject } from './subject.ts'
import { runWorkload, type Timing } from './workloads.ts'

export interface SweepSetting {
  /** The setting's value; null = left out (the default). */
  value: number | null
  /** Replaces production's node flags. */
  runtimeArgs?: readonly string[]
  /** Added to the server's environment. */
  env?: Record<string, string>
}

export interface SweepPoint {
  value: number | null
  peakRssMiB: number | undefined
  workloads: Record<string, WorkloadSummary>
}

/** Production's node flags with `flag` (e.g. `--max-semi-space-size`) set to `value`, or left out. */
export function productionArgsWith (flag: string, value: number | null): string[] {
  const others = SERVER_NODE_ARGS.filter((arg) => !arg.startsWith(`${flag}=`))
  return value === null ? others : [...others, `${flag}=${value}`]
}

export async function sweepSetting (settings: readonly SweepSetting[], workloadNames: readonly WorkloadName[], timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<SweepPoint[]> {
  const points: SweepPoint[] = []
  for (const setting of settings) {
    const runtimeArgs = setting.runtimeArgs ?? SERVER_NODE_ARGS
    log(`  ${[...Object.entries(setting.env ?? {}).map(([name, value]) => `${name}=${value}`), ...runtimeArgs].join(' ')}`)
    const subject = await startSubject({ endpoint: SHARED_POSTGRES, env: { ...env, ...setting.env }, connections: timing.connections, runtimeArgs })
    const workloads: Record<string, WorkloadSummary> = {}
    try {
      let rate = expectedRate
      for (const workload of workloadNames) {
        workloads[workload] = await runWorkload(subject, workload, timing, outDir, rate, log)
        // Key-consuming workloads size their rounds from the create rate.
        if (workload === 'create') rate = workloads[workload].okPerSecond.median
      }
      points.push({ value: setting.value, peakRssMiB: memoryMiB(subject.server.pid)?.peak, workloads })
    } finally {
      await subject.stop()
    }
  }
  return points
}
