// Burnlink's workloads at saturation (50 connections): rounds of warm-up + measured window.
import { join } from 'node:path'
import type { WorkloadName } from './load-child.ts'
import { runLoad, summarize, type RoundResult, type WorkloadSummary } from './load.ts'
import type { Subject } from './subject.ts'

export const SATURATION_WORKLOADS = ['create', 'create-passphrase', 'reveal', 'pairs', 'gated-pairs', 'delete', 'mixed'] as const

/** The workloads whose requests run Argon2id: their peak RSS holds its working memory too. */
export const HASHING_WORKLOADS: ReadonlySet<string> = new Set(['create-passphrase', 'gated-pairs'])

export interface Timing { rounds: number, warmupSeconds: number, measureSeconds: number, connections: number }

/** Share of a workload's requests that consume a pre-created key. */
const KEYS_PER_REQUEST: Partial<Record<WorkloadName, number>> = { reveal: 1, delete: 1, mixed: 0.5 }

/**
 * Runs one workload for `timing.rounds` rounds. Key-consuming workloads run a fixed number of
 * requests (each key is read once), sized from `expectedRate` so a round lasts about as long as
 * the others; their throughput is still successes per measured second.
 */
export async function runWorkload (subject: Subject, workload: WorkloadName, timing: Timing, workDir: string, expectedRate: number, log: (line: string) => void): Promise<WorkloadSummary> {
  const rounds: RoundResult[] = []
  await subject.peakRss.startPhase()
  for (let round = 1; round <= timing.rounds; round++) rounds.push(await runRound(subject, workload, round, timing, workDir, expectedRate, log))
  const peak = subject.peakRss.phase()
  return { ...summarize(workload, rounds), ...(peak === undefined ? {} : { serverPeakRssMiB: peak }) }
}

/** One round of a workload on a freshly emptied database: warm-up, then the measured window. */
export async function runRound (subject: Subject, workload: WorkloadName, round: number, timing: Timing, workDir: string, expectedRate: number, log: (line: string) => void): Promise<RoundResult> {
  const keyShare = KEYS_PER_REQUEST[workload]
  await subject.reset()
  let keysFile: string | undefined
  let phases = { warmup: { seconds: timing.warmupSeconds }, measure: { seconds: timing.measureSeconds } } as { warmup: { seconds?: number, amount?: number }, measure: { seconds?: number, amount?: number } }
  if (keyShare !== undefined) {
    const warmup = Math.max(timing.connections, Math.round(expectedRate * timing.warmupSeconds))
    const measure = Math.max(timing.connections, Math.round(expectedRate * timing.measureSeconds))
    keysFile = join(workDir, `keys-${subject.mode}-${workload}-${round}.txt`)
    // Every cycle of the mixed workload takes 10 keys per 20 requests; a little extra absorbs rounding.
    await subject.seed(Math.ceil((warmup + measure) * keyShare) + 2 * timing.connections, keysFile)
    phases = { warmup: { amount: warmup }, measure: { amount: measure } }
  }
  const result = await runLoad({ url: subject.server.url, workload, connections: timing.connections, ...phases, ...(keysFile === undefined ? {} : { keysFile }) }, subject.target)
  log(`  ${subject.mode} ${workload} round ${round}: ${result.okPerSecond.toFixed(0)} ok/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, server ${result.serverCpuUs?.toFixed(0) ?? '?'} µs/req, db ${result.dbCpuUs?.toFixed(0) ?? '?'} µs/req, statuses ${JSON.stringify(result.statuses)}${result.errors > 0 ? `, errors ${result.errors}` : ''}`)
  return result
}
