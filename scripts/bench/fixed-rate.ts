// Latency at a fixed request rate (not saturation), and passphrase load's effect on other requests.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadResult, WorkloadName } from './load-child.ts'
import { runLoad, startLoad, type Target } from './load.ts'
import type { BenchOptions } from './options.ts'
import type { FixedRateResult, PassphraseInterference } from './results.ts'
import { startServer } from './server.ts'
import { round3, spread } from './stats.ts'
import type { Subject } from './subject.ts'

/** What the paced client is pointed at: Burnlink (a subject) or the bare route. */
interface RateTarget {
  label: string
  url: string
  target: Target
  /** Writes `count` keys a reveal may use to `keysFile`. */
  seed: (count: number, keysFile: string) => Promise<void>
}

export async function measureAtRate (subject: Subject, workload: WorkloadName, options: BenchOptions, rounds: number, log: (line: string) => void, rate = options.fixedRate): Promise<FixedRateResult> {
  return await measureTargetAtRate({ label: subject.mode, url: subject.server.url, target: subject.target, seed: subject.seed }, workload, options, rounds, log, rate)
}

async function measureTargetAtRate (at: RateTarget, workload: WorkloadName, options: BenchOptions, rounds: number, log: (line: string) => void, rate: number): Promise<FixedRateResult> {
  const results = []
  for (let round = 1; round <= rounds; round++) {
    let keysFile: string | undefined
    if (workload === 'reveal') {
      keysFile = join(options.outDir, `keys-rate-${at.label}-${round}.txt`)
      await at.seed(Math.ceil(rate * (options.warmupSeconds + options.measureSeconds) * 1.1) + 100, keysFile)
    }
    const result = await runLoad({
      url: at.url,
      workload,
      connections: options.connections,
      rate,
      warmup: { seconds: options.warmupSeconds },
      measure: { seconds: options.measureSeconds },
      ...(keysFile === undefined ? {} : { keysFile })
    }, at.target)
    results.push(result)
    log(`  ${at.label === 'bare' ? 'bare route: ' : ''}${workload} at ${rate}/s round ${round}: ${result.okPerSecond.toFixed(0)} ok/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, statuses ${JSON.stringify(result.statuses)}`)
  }
  const p99 = spread(results.map((r) => r.latencyMs.p99))
  return {
    workload,
    rate,
    rounds: results,
    p50Ms: round3(spread(results.map((r) => r.latencyMs.p50)).median),
    p99Ms: round3(p99.median),
    p99RangeMs: { min: round3(p99.min), max: round3(p99.max) },
    failures: results.reduce((sum, r) => sum + r.requests - r.ok + r.errors + r.timeouts, 0)
  }
}

/**
 * create and reveal at each of `options.latencyRates`: where the latency bends, not one point.
 * A 10-second window's p99 is its 1 % slowest requests, which one scheduling hiccup on a small
 * machine can fill: every round counts, and the median of at least three is reported.
 */
export async function measureFixedRate (subject: Subject, options: BenchOptions, log: (line: string) => void): Promise<FixedRateResult[]> {
  return await measureEveryRate({ label: subject.mode, url: subject.server.url, target: subject.target, seed: subject.seed }, options, log)
}

async function measureEveryRate (at: RateTarget, options: BenchOptions, log: (line: string) => void): Promise<FixedRateResult[]> {
  const results: FixedRateResult[] = []
  for (const rate of options.latencyRates) {
    for (const workload of ['create', 'reveal'] as const) results.push(await measureTargetAtRate(at, workload, options, fixedRateRounds(options), log, rate))
  }
  return results
}

export function fixedRateRounds (options: Pick<BenchOptions, 'rounds' | 'quick'>): number {
  return options.quick ? options.rounds : Math.max(options.rounds, 3)
}

/**
 * The same client, schedule and request shapes against a bare Fastify route that does nothing:
 * what the machine, the kernel and the load generator add at each rate (the floor the p99
 * targets are read against), since a request alone says nothing about queueing at a rate.
 */
export async function measureBareAtRate (options: BenchOptions, log: (line: string) => void): Promise<FixedRateResult[]> {
  const server = await startServer({ env: {}, bare: true })
  const at: RateTarget = {
    label: 'bare',
    url: server.url,
    target: { serverPid: server.pid, exitReport: server.exitReport },
    seed: async (count, keysFile) => { writeFileSync(keysFile, Array.from({ length: count }, (_, i) => `bare${i}`).join('\n') + '\n') }
  }
  try {
    return await measureEveryRate(at, options, log)
  } finally {
    await server.stop()
  }
}

/**
 * Reveals at a fixed rate, alone and then beside a saturating passphrase-create load (Argon2id on
 * the thread pool): the issue wants the reveals' p99 to stay within 2× of its value alone. One
 * pair of windows swings with the "alone" p99 (3.9–12.8 ms in eight pairs of one earlier run), so
 * pairs alternate over the rounds and the ratio is of the two medians.
 */
export async function measurePassphraseInterference (subject: Subject, options: BenchOptions, log: (line: string) => void): Promise<PassphraseInterference> {
  const rate = Math.round(options.fixedRate / 2)
  const seconds = options.measureSeconds
  const seededKeys = async (label: string): Promise<string> => {
    const keysFile = join(options.outDir, `keys-interference-${label}.txt`)
    await subject.seed(Math.ceil(rate * (options.warmupSeconds + seconds) * 1.1) + 100, keysFile)
    return keysFile
  }
  const pairs: Array<{ alone: LoadResult, beside: LoadResult, passphraseLoad: LoadResult }> = []
  for (let round = 1; round <= fixedRateRounds(options); round++) {
    const alone = await runLoad({ url: subject.server.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: options.warmupSeconds }, measure: { seconds }, keysFile: await seededKeys(`alone-${round}`) }, subject.target)
    const keysFile = await seededKeys(`beside-${round}`)
    const passphrase = startLoad({ url: subject.server.url, workload: 'create-passphrase', connections: options.connections, warmup: { seconds: options.warmupSeconds }, measure: { seconds: seconds + options.warmupSeconds * 2 } }, { exitReport: subject.server.exitReport })
    // Reveals start once the passphrase load is past its own warm-up.
    await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000))
    const beside = await runLoad({ url: subject.server.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: options.warmupSeconds }, measure: { seconds }, keysFile }, { exitReport: subject.server.exitReport })
    const passphraseLoad = await passphrase.result
    for (const [what, load] of [['reveals alone', alone], ['reveals beside', beside], ['passphrase creates', passphraseLoad]] as const) {
      // A window without one success has no latency to compare: say why instead of publishing NaN.
      if (load.ok === 0) throw new Error(`passphrase interference, round ${round}: no successful ${what} (statuses ${JSON.stringify(load.statuses)}, ${load.errors} errors, ${load.timeouts} timeouts)`)
    }
    pairs.push({ alone, beside, passphraseLoad })
    log(`  round ${round}: reveal p99 at ${rate}/s alone ${alone.latencyMs.p99.toFixed(2)} ms, beside passphrase creates (${passphraseLoad.okPerSecond.toFixed(0)}/s) ${beside.latencyMs.p99.toFixed(2)} ms`)
  }
  const alone = spread(pairs.map((p) => p.alone.latencyMs.p99))
  const beside = spread(pairs.map((p) => p.beside.latencyMs.p99))
  const first = pairs[0]
  if (first === undefined) throw new Error('no rounds')
  const result: PassphraseInterference = {
    hashesPerSecond: round3(spread(pairs.map((p) => p.passphraseLoad.okPerSecond)).median),
    passphraseLoad: first.passphraseLoad,
    revealAlone: first.alone,
    revealWithPassphraseLoad: first.beside,
    aloneP99Ms: { median: round3(alone.median), min: round3(alone.min), max: round3(alone.max) },
    besideP99Ms: { median: round3(beside.median), min: round3(beside.min), max: round3(beside.max) },
    p99Ratio: round3(beside.median / alone.median)
  }
  log(`  reveal p99 alone ${alone.median.toFixed(2)} ms (median of ${pairs.length}), beside ${beside.median.toFixed(2)} ms: ${result.p99Ratio}×`)
  return result
}
