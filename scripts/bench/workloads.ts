// Burnlink's workloads at saturation: rounds of a discarded warm-up and a measured window, with
// the server's peak RSS over the workload's rounds.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadSpec } from './load-child.ts'
import { runLoad, summarize, type RoundResult, type WorkloadSummary } from './load.ts'
import type { Timing } from './options.ts'
import { memoryMiB, resetPeak, waitIdle } from './proc.ts'
import type { Subject } from './subject.ts'

/** What a workload needs of the server under test. */
export type Measured = Omit<Subject, 'stop' | 'db'>
type Log = (line: string) => void

/** Runs the rounds of one workload, logging each, with the server's peak RSS over them alone. */
async function rounds (subject: Measured, label: string, specs: Array<() => Promise<Omit<LoadSpec, 'url' | 'connections'>>>, timing: Timing, log: Log): Promise<WorkloadSummary> {
  await waitIdle(subject.pid)
  const reset = resetPeak(subject.pid)
  const results: RoundResult[] = []
  for (const [i, spec] of specs.entries()) {
    const r = await runLoad({ url: subject.url, connections: timing.connections, ...await spec() }, subject.target)
    log(`  ${subject.mode} ${label} round ${i + 1}: ${r.okPerSecond.toFixed(0)} ok/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, server ${r.serverCpuUs?.toFixed(0) ?? '?'} µs/req, db ${r.dbCpuUs?.toFixed(0) ?? '?'} µs/req, statuses ${JSON.stringify(r.statuses)}`)
    results.push(r)
  }
  const peak = memoryMiB(subject.pid)?.peak
  return reset && peak !== undefined ? { ...summarize(results), peakRssMiB: Math.round(peak) } : summarize(results)
}

/**
 * create, reveal or mixed, each round on emptied tables. Workloads that use up keys (each is
 * read once) run a fixed number of requests, sized from `expectedRate` so that a round lasts
 * about as long as the others; their throughput is still successes per measured second.
 */
export async function runWorkload (subject: Measured, workload: 'create' | 'reveal' | 'mixed', timing: Timing, workDir: string, expectedRate: number, log: Log): Promise<WorkloadSummary> {
  const keysPerRequest = { create: 0, reveal: 1, mixed: 0.5 }[workload]
  return await rounds(subject, workload, Array.from({ length: timing.rounds }, (_, i) => async () => {
    await subject.reset()
    if (keysPerRequest === 0) return { workload, warmup: { seconds: timing.warmupSeconds }, measure: { seconds: timing.measureSeconds } }
    const warmup = Math.max(timing.connections, Math.round(expectedRate * timing.warmupSeconds))
    const measure = Math.max(timing.connections, Math.round(expectedRate * timing.measureSeconds))
    const keysFile = join(workDir, `keys-${subject.mode}-${workload}-${i + 1}.txt`)
    await subject.seed(Math.ceil((warmup + measure) * keysPerRequest) + 2 * timing.connections, keysFile)
    return { workload, warmup: { amount: warmup }, measure: { amount: measure }, keysFile }
  }), timing, log)
}

/**
 * Secrets whose reveal needs their passphrase: creates (an Argon2id hash each) for the usual
 * windows, then reveals (a verification each) of the keys those creates returned.
 */
export async function runPassphrase (subject: Measured, timing: Timing, workDir: string, log: Log): Promise<{ create: WorkloadSummary, reveal: WorkloadSummary }> {
  const keysFiles = Array.from({ length: timing.rounds }, (_, i) => join(workDir, `keys-${subject.mode}-passphrase-${i + 1}.txt`))
  await subject.reset() // once: the reveals need every round's secrets
  const create = await rounds(subject, 'create with passphrase', keysFiles.map((collectKeysFile) => async () =>
    ({ workload: 'create-gated', warmup: { seconds: timing.warmupSeconds }, measure: { seconds: timing.measureSeconds }, collectKeysFile })), timing, log)
  const reveal = await rounds(subject, 'reveal with passphrase', keysFiles.map((keysFile) => async () => {
    const keys = readFileSync(keysFile, 'utf8').split('\n').filter((k) => k !== '').length
    const warmup = Math.round(keys * timing.warmupSeconds / (timing.warmupSeconds + timing.measureSeconds))
    return { workload: 'reveal-gated', warmup: { amount: warmup }, measure: { amount: keys - warmup }, keysFile }
  }), timing, log)
  return { create, reveal }
}
