// Latency at a fixed request rate (not saturation): creates and reveals on an even schedule,
// against Burnlink or against the bare route (the floor at that rate).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runLoad, type Target } from './load.ts'
import type { Timing } from './options.ts'
import { round3, spread, type Spread } from './stats.ts'
import type { Subject } from './subject.ts'

export interface FixedRateResult {
  workload: 'create' | 'reveal'
  rate: number
  /** Medians over the rounds, and the p99's range. */
  okPerSecond: number
  p50Ms: number
  p99Ms: Spread
  failures: number
}

/** What the paced client is pointed at. Without `seed`, reveals get made-up keys (the bare route takes any). */
export interface RateTarget { label: string, url: string, target: Target, seed?: (count: number, keysFile: string) => Promise<void> }

export const rateTarget = (subject: Subject): RateTarget => ({ label: subject.mode, url: subject.url, target: subject.target, seed: subject.seed })

export async function measureAtRate (at: RateTarget, workload: 'create' | 'reveal', rate: number, timing: Timing, workDir: string, log: (line: string) => void): Promise<FixedRateResult> {
  const rounds = []
  for (let round = 1; round <= timing.rounds; round++) {
    const keysFile = join(workDir, `keys-rate-${at.label.replace(/\W/g, '-')}-${rate}-${round}.txt`)
    if (workload === 'reveal') {
      const count = Math.ceil(rate * (timing.warmupSeconds + timing.measureSeconds) * 1.1) + 100
      if (at.seed === undefined) writeFileSync(keysFile, Array.from({ length: count }, (_, i) => `bare${i}`).join('\n') + '\n')
      else await at.seed(count, keysFile)
    }
    const result = await runLoad({ url: at.url, workload, connections: timing.connections, rate, warmup: { seconds: timing.warmupSeconds }, measure: { seconds: timing.measureSeconds }, ...(workload === 'reveal' ? { keysFile } : {}) }, at.target)
    rounds.push(result)
    log(`  ${at.label} ${workload} at ${rate}/s round ${round}: p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, statuses ${JSON.stringify(result.statuses)}`)
  }
  const p99 = spread(rounds.map((r) => r.latencyMs.p99))
  return {
    workload,
    rate,
    okPerSecond: round3(spread(rounds.map((r) => r.okPerSecond)).median),
    p50Ms: round3(spread(rounds.map((r) => r.latencyMs.p50)).median),
    p99Ms: { median: round3(p99.median), min: round3(p99.min), max: round3(p99.max) },
    failures: rounds.reduce((sum, r) => sum + r.requests - r.ok + r.errors + r.timeouts, 0)
  }
}

/** Creates and reveals at each rate: where the latency bends, not one point. */
export async function measureRates (at: RateTarget, rates: readonly number[], timing: Timing, workDir: string, log: (line: string) => void): Promise<FixedRateResult[]> {
  const results: FixedRateResult[] = []
  for (const rate of rates) {
    for (const workload of ['create', 'reveal'] as const) results.push(await measureAtRate(at, workload, rate, timing, workDir, log))
  }
  return results
}
