// The targets, judged on one run's results: the report's verdict column.
import type { WorkloadSummary } from './load.ts'
import type { BenchResults } from './results.ts'
import { fmt } from './format.ts'

export type Verdict = 'met' | 'not met' | 'not measured'

export interface Target { name: string, goal: string, measured: string, verdict: Verdict }

/** Throughput floor: each of create and reveal at least this share of the database ceiling. */
export const CEILING_SHARE = 0.5
/** The embedded default's whole process tree (PSS), idle and after a burst of creates. */
export const IDLE_MB = 200
export const BURST_MB = 300
/** "Ready within seconds", made a number. */
export const READY_MS = 10_000

function judge (measured: number | undefined, ok: (v: number) => boolean, describe: (v: number) => string): Pick<Target, 'measured' | 'verdict'> {
  if (measured === undefined || !Number.isFinite(measured)) return { measured: 'not measured', verdict: 'not measured' }
  return { measured: describe(measured), verdict: ok(measured) ? 'met' : 'not met' }
}

function throughput (name: string, workload: WorkloadSummary | undefined, ceiling: WorkloadSummary | undefined): Target {
  const ratio = workload === undefined || ceiling === undefined ? undefined : workload.okPerSecond.median / ceiling.okPerSecond.median
  return {
    name: `${name} throughput vs the database ceiling, no errors`,
    goal: `≥ ${CEILING_SHARE}×`,
    ...judge(ratio, (x) => x >= CEILING_SHARE && workload?.failures === 0,
      (x) => `${fmt(x, 2)}× (${fmt(workload?.okPerSecond.median ?? 0)} vs ${fmt(ceiling?.okPerSecond.median ?? 0)}/s), ${workload?.failures ?? 0} errors`)
  }
}

export function evaluateTargets (r: BenchResults): Target[] {
  const e = r.embedded
  const idle = e === undefined ? undefined : Math.max(e.firstStart.idle.pssMB, e.laterStart.idle.pssMB)
  return [
    throughput('create', r.workloads.create, r.ceilings.create),
    throughput('reveal', r.workloads.reveal, r.ceilings.reveal),
    {
      name: 'embedded default: first `npm start` on an empty DATA_DIR is ready',
      goal: `within seconds (≤ ${READY_MS / 1000} s)`,
      ...judge(e?.firstStart.readyMs, (ms) => ms <= READY_MS, (ms) => `${fmt(ms / 1000, 1)} s (later start ${fmt((e?.laterStart.readyMs ?? 0) / 1000, 1)} s)`)
    },
    {
      name: 'embedded default: whole process tree idle (PSS)',
      goal: `≤ ${IDLE_MB} MB`,
      ...judge(idle, (mb) => mb <= IDLE_MB, () => `${fmt(e?.firstStart.idle.pssMB ?? 0)} MB after the first start, ${fmt(e?.laterStart.idle.pssMB ?? 0)} MB after a later one`)
    },
    {
      name: 'embedded default: whole process tree after a burst of creates (PSS)',
      goal: `≤ ${BURST_MB} MB`,
      ...judge(e?.afterBurst.pssMB, (mb) => mb <= BURST_MB, (mb) => `${fmt(mb)} MB after ${fmt(e?.burstCreates ?? 0)} creates`)
    }
  ]
}
