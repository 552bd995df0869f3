// One process setting at several values, everything else as in production: saturation workloads
// in a server process of its own on a database of its own for each value, peak RSS against server
// CPU per request. The values take turns round by round (all servers run side by side, idle but
// for their turn): a VM that slows down during the phase then slows every value alike, where
// running the values one after another had put the slowdown on the last ones (run 6).
import { SHARED_POSTGRES } from './database.ts'
import type { WorkloadName } from './load-child.ts'
import { summarize, type RoundResult, type WorkloadSummary } from './load.ts'
import { SERVER_NODE_ARGS } from './server.ts'
import { startSubject, type Subject } from './subject.ts'
import { runRound, type Timing } from './workloads.ts'

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

/** One value's server, and what its turns have measured so far. */
interface Lane {
  setting: SweepSetting
  label: string
  subject: Subject
  /** Key-consuming workloads size their rounds from this value's own create rate. */
  rate: number
  workloads: Record<string, WorkloadSummary>
}

export async function sweepSetting (settings: readonly SweepSetting[], workloadNames: readonly WorkloadName[], timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<SweepPoint[]> {
  const lanes: Lane[] = []
  try {
    for (const setting of settings) {
      const runtimeArgs = setting.runtimeArgs ?? SERVER_NODE_ARGS
      const subject = await startSubject({ endpoint: SHARED_POSTGRES, env: { ...env, ...setting.env }, connections: timing.connections, runtimeArgs })
      const label = [...Object.entries(setting.env ?? {}).map(([name, value]) => `${name}=${value}`), ...runtimeArgs].join(' ')
      lanes.push({ setting, label, subject, rate: expectedRate, workloads: {} })
    }
    for (const workload of workloadNames) {
      const rounds = new Map<Lane, RoundResult[]>(lanes.map((lane) => [lane, []]))
      for (let round = 1; round <= timing.rounds; round++) {
        for (const lane of lanes) {
          log(`  ${lane.label}`)
          rounds.get(lane)?.push(await runRound(lane.subject, workload, round, timing, outDir, lane.rate, log))
        }
      }
      for (const lane of lanes) {
        lane.workloads[workload] = summarize(workload, rounds.get(lane) ?? [])
        if (workload === 'create') lane.rate = lane.workloads[workload].okPerSecond.median
      }
    }
    return lanes.map((lane) => ({ value: lane.setting.value, peakRssMiB: lane.subject.peakRss.overall(), workloads: lane.workloads }))
  } finally {
    await Promise.all(lanes.map(async (lane) => { await lane.subject.stop() }))
  }
}
