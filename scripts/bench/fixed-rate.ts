// Latency at a fixed request rate (not saturation), and passphrase load's effect on other requests.
import { join } from 'node:path'
import type { WorkloadName } from './load-child.ts'
import { runLoad, startLoad } from './load.ts'
import type { BenchOptions } from './options.ts'
import type { FixedRateResult, PassphraseInterference } from './results.ts'
import { round3, spread } from './stats.ts'
import type { Subject } from './subject.ts'

export async function measureAtRate (subject: Subject, workload: WorkloadName, options: BenchOptions, rounds: number, log: (line: string) => void, rate = options.fixedRate): Promise<FixedRateResult> {
  const results = []
  for (let round = 1; round <= rounds; round++) {
    let keysFile: string | undefined
    if (workload === 'reveal') {
      keysFile = join(options.outDir, `keys-rate-${subject.mode}-${round}.txt`)
      await subject.seed(Math.ceil(rate * (options.warmupSeconds + options.measureSeconds) * 1.1) + 100, keysFile)
    }
    const result = await runLoad({
      url: subject.server.url,
      workload,
      connections: options.connections,
      rate,
      warmup: { seconds: options.warmupSeconds },
      measure: { seconds: options.measureSeconds },
      ...(keysFile === undefined ? {} : { keysFile })
    }, subject.target)
    results.push(result)
    log(`  ${workload} at ${rate}/s round ${round}: ${result.okPerSecond.toFixed(0)} ok/s, p50 ${result.latencyMs.p50.toFixed(2)} ms, p99 ${result.latencyMs.p99.toFixed(2)} ms, statuses ${JSON.stringify(result.statuses)}`)
  }
  return {
    workload,
    rate,
    rounds: results,
    p50Ms: round3(spread(results.map((r) => r.latencyMs.p50)).median),
    p99Ms: round3(spread(results.map((r) => r.latencyMs.p99)).median),
    failures: results.reduce((sum, r) => sum + r.requests - r.ok + r.errors + r.timeouts, 0)
  }
}

/** create and reveal at each of `options.latencyRates`: where the latency bends, not one point. */
export async function measureFixedRate (subject: Subject, options: BenchOptions, log: (line: string) => void): Promise<FixedRateResult[]> {
  const rounds = Math.min(options.rounds, 2)
  const results: FixedRateResult[] = []
  for (const rate of options.latencyRates) {
    for (const workload of ['create', 'reveal'] as const) results.push(await measureAtRate(subject, workload, options, rounds, log, rate))
  }
  return results
}

/**
 * Reveals at a fixed rate, alone and then beside a saturating passphrase-create load (Argon2id on
 * the thread pool): the issue wants the reveals' p99 to stay within 2× of its value alone.
 */
export async function measurePassphraseInterference (subject: Subject, options: BenchOptions, log: (line: string) => void): Promise<PassphraseInterference> {
  const rate = Math.round(options.fixedRate / 2)
  const seconds = options.measureSeconds
  const reveal = async (label: string): Promise<ReturnType<typeof runLoad>> => {
    const keysFile = join(options.outDir, `keys-interference-${label}.txt`)
    await subject.seed(Math.ceil(rate * (options.warmupSeconds + seconds) * 1.1) + 100, keysFile)
    return runLoad({ url: subject.server.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: options.warmupSeconds }, measure: { seconds }, keysFile }, subject.target)
  }
  const revealAlone = await reveal('alone')
  const keysFile = join(options.outDir, 'keys-interference-beside.txt')
  await subject.seed(Math.ceil(rate * (options.warmupSeconds + seconds) * 1.1) + 100, keysFile)
  const passphrase = startLoad({ url: subject.server.url, workload: 'create-passphrase', connections: options.connections, warmup: { seconds: options.warmupSeconds }, measure: { seconds: seconds + options.warmupSeconds * 2 } })
  // Reveals start once the passphrase load is past its own warm-up.
  await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000))
  const revealBeside = await runLoad({ url: subject.server.url, workload: 'reveal', connections: 10, rate, warmup: { seconds: options.warmupSeconds }, measure: { seconds }, keysFile })
  const passphraseLoad = await passphrase.result
  const result = {
    hashesPerSecond: round3(passphraseLoad.okPerSecond),
    passphraseLoad,
    revealAlone,
    revealWithPassphraseLoad: revealBeside,
    p99Ratio: round3(revealBeside.latencyMs.p99 / revealAlone.latencyMs.p99)
  }
  log(`  reveal p99 at ${rate}/s alone ${revealAlone.latencyMs.p99.toFixed(2)} ms, beside passphrase creates (${passphraseLoad.okPerSecond.toFixed(0)}/s) ${revealBeside.latencyMs.p99.toFixed(2)} ms: ${result.p99Ratio}×`)
  return result
}
