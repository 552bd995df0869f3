// The issue's targets and their restatements, judged on one run's results: the Targets table.
import type { WorkloadSummary } from './load.ts'
import type { BenchResults, ChurnResult, FixedRateResult, PassphraseInterference } from './results.ts'
import { fmt, MB_PER_MIB, ms, msRange } from './format.ts'
import { HASHING_WORKLOADS } from './workloads.ts'

/** Server CPU per request at saturation, the budgets set after run 2. */
const CPU_BUDGET_US = { create: 350, reveal: 250 } as const
/** The rate of the p99 target restated after run 4. */
const RESTATED_LATENCY_RATE = 200

export interface Target { name: string, target: string, measured: string, met: boolean | undefined }

/** "; kernel 41 % vs 38 %": how much of each process's CPU went to system calls. */
function kernelShare (s: WorkloadSummary | undefined, bare: WorkloadSummary | undefined): string {
  const a = s?.serverSystemShare?.median
  const b = bare?.serverSystemShare?.median
  return a === undefined || b === undefined ? '' : `; in the kernel ${fmt(a * 100)} % vs ${fmt(b * 100)} %`
}

export function evaluateTargets (r: BenchResults): Target[] {
  const targets: Target[] = []
  const ratio = (a: number | undefined, b: number | undefined): number | undefined => a === undefined || b === undefined || b === 0 ? undefined : a / b
  // The target is against the issue's ceiling (one statement per operation); the ceiling of the
  // batched statements Burnlink runs (ADR 12) is reported beside it, not judged.
  const throughput = (name: string, workload: WorkloadSummary | undefined, ceiling: WorkloadSummary | undefined, batched?: WorkloadSummary): void => {
    const x = ratio(workload?.okPerSecond.median, ceiling?.okPerSecond.median)
    const y = ratio(workload?.okPerSecond.median, batched?.okPerSecond.median)
    const besideBatched = y === undefined ? '' : `; ${fmt(y, 2)}× the batched statements' ceiling (${fmt(batched?.okPerSecond.median)}/s)`
    targets.push({
      name: `${name} throughput vs the postgres.js ceiling, zero errors`,
      target: '≥ 0.6× (stretch 0.7×), 0 errors',
      measured: x === undefined ? 'not measured' : `${fmt(x, 2)}× (${fmt(workload?.okPerSecond.median)} vs ${fmt(ceiling?.okPerSecond.median)}/s), ${workload?.failures ?? '?'} errors${besideBatched}`,
      met: x === undefined ? undefined : x >= 0.6 && workload?.failures === 0
    })
  }
  throughput('create', r.workloads.create, r.baselines.sqlCreate, r.baselines.sqlCreateBatched)
  throughput('reveal', r.workloads.reveal, r.baselines.sqlReveal, r.baselines.sqlRevealBatched)
  if (r.unixSocket !== undefined) {
    throughput('create over the Unix socket:', r.unixSocket.create, r.unixSocketCeiling?.create)
    throughput('reveal over the Unix socket:', r.unixSocket.reveal, r.unixSocketCeiling?.reveal)
  }
  for (const name of ['create', 'reveal'] as const) {
    const x = ratio(r.workloads[name]?.serverCpuUs?.median, r.baselines.bareFastify?.serverCpuUs?.median)
    targets.push({
      name: `${name}: Node CPU per request vs the bare route's`,
      target: '≤ 7× (stretch 5.5×)',
      measured: x === undefined ? 'not measured' : `${fmt(x, 1)}× (${fmt(r.workloads[name]?.serverCpuUs?.median)} vs ${fmt(r.baselines.bareFastify?.serverCpuUs?.median, 1)} µs)${kernelShare(r.workloads[name], r.baselines.bareFastify)}`,
      met: x === undefined ? undefined : x <= 7
    })
  }
  // Restated after run 2 ("Earlier runs"), in absolute terms: on these VMs the bare route's CPU
  // moves with the cost of system calls far more than a create's or a reveal's does.
  for (const name of ['create', 'reveal'] as const) {
    const us = r.workloads[name]?.serverCpuUs?.median
    if (us === undefined) continue
    targets.push({ name: `${name}: server CPU per request at saturation (restated after run 2, in µs)`, target: `≤ ${CPU_BUDGET_US[name]} µs`, measured: `${fmt(us)} µs`, met: us <= CPU_BUDGET_US[name] })
  }
  for (const fixed of (r.fixedRate ?? []).filter((f) => f.rate === r.settings.fixedRate)) {
    const floor = r.serial?.[fixed.workload]?.p99Ms.median
    const bare = bareAtRate(r, fixed)
    const context = (floor === undefined ? '' : `; one request at a time: p99 ${ms(floor)} ms`) + (bare === undefined ? '' : `; the bare route at this rate: p99 ${ms(bare.p99Ms)} ms`)
    targets.push({ name: `${fixed.workload} p99 at ${fixed.rate} req/s (even schedule)`, target: '≤ 10 ms', measured: `${ms(fixed.p99Ms)} ms${p99Range(fixed)} (p50 ${ms(fixed.p50Ms)} ms), ${fixed.failures} errors${context}`, met: fixed.p99Ms <= 10 && fixed.failures === 0 })
  }
  // Restated after run 4 (docs/benchmarks.md, "After run 4"): 1,000/s is most of a 2-core VM, so
  // the tail is judged where the cores are at most a third busy, against the bare route's there.
  for (const fixed of (r.fixedRate ?? []).filter((f) => f.rate === RESTATED_LATENCY_RATE)) {
    const bare = bareAtRate(r, fixed)
    const x = ratio(fixed.p99Ms, bare?.p99Ms)
    targets.push({
      name: `${fixed.workload} p99 at ${fixed.rate} req/s vs the bare route's at that rate (restated after run 4)`,
      target: '≤ 3×',
      measured: x === undefined ? 'not measured' : `${fmt(x, 1)}× (${ms(fixed.p99Ms)} ms${p99Range(fixed)} vs ${ms(bare?.p99Ms)} ms), ${fixed.failures} errors`,
      met: x === undefined ? undefined : x <= 3 && fixed.failures === 0
    })
  }
  const levels = r.scale?.levels ?? []
  const largest = levels[levels.length - 1]
  if (largest !== undefined) {
    targets.push({ name: `PostgreSQL bytes per stored 1 KiB secret (at ${fmt(largest.stored)})`, target: '≤ 2,048 B', measured: `${fmt(largest.bytesPerSecret)} B`, met: largest.bytesPerSecret <= 2048 })
  }
  const smallest = levels[0]
  if (smallest !== undefined && largest !== undefined && largest !== smallest) {
    const x = largest.revealAtRate.p99Ms / smallest.revealAtRate.p99Ms
    targets.push({ name: `reveal p99 at ${fmt(largest.stored)} vs ${fmt(smallest.stored)} stored (${largest.revealAtRate.rate} req/s)`, target: '≤ 1.5×', measured: `${fmt(x, 2)}× (${ms(largest.revealAtRate.p99Ms)} ms${p99Range(largest.revealAtRate)} vs ${ms(smallest.revealAtRate.p99Ms)} ms${p99Range(smallest.revealAtRate)})`, met: x <= 1.5 })
  }
  const pi = r.passphraseInterference
  if (pi !== undefined) {
    targets.push({ name: 'reveal p99 beside saturating passphrase creates vs alone', target: '≤ 2×', measured: interferenceSummary(pi), met: Number.isFinite(pi.p99Ratio) ? pi.p99Ratio <= 2 : undefined })
  }
  if (r.serverPeakRssMiB !== undefined) {
    const mb = r.serverPeakRssMiB * MB_PER_MIB
    targets.push({ name: 'server peak RSS under load (VmHWM)', target: '≤ 150 MB', measured: `${fmt(mb)} MB`, met: mb <= 150 })
  }
  const memory = restatedMemoryTarget(r)
  if (memory !== undefined) targets.push(memory)
  if (r.churn !== undefined) {
    const c = r.churn
    const [middle, last] = churnThirds(c)
    targets.push({ name: `secret table size under ${c.minutes} min of churn`, target: 'bounded: last third\'s max ≤ 1.25× middle third\'s max', measured: `${fmt(middle / 2 ** 20, 1)} → ${fmt(last / 2 ** 20, 1)} MiB max (${fmt(last / middle, 2)}×), ${fmt(c.finalTotalBytes / 2 ** 20, 1)} MiB at the end`, met: last <= middle * 1.25 })
    targets.push({ name: 'pg-boss share of database statements (during churn)', target: '≤ 1 %', measured: `${fmt(c.statements.share * 100, 3)} % (${fmt(c.statements.pgboss)} of ${fmt(c.statements.total)}; ${c.statements.pgbossPerMinute}/min)`, met: c.statements.share <= 0.01 })
  }
  return targets
}

/**
 * The memory target of record: 200 MB (restated after run 4) for the server's own memory, plus
 * Argon2id's working memory for each run the server may have in flight (PASSPHRASE_HASH_CONCURRENCY;
 * after run 10): that memory is the passphrase hashing's security parameter, held only while a run
 * is in flight, and where the runs over 200 MB (6–10) were read phase by phase, the passphrase
 * phases were where they went over it.
 */
function restatedMemoryTarget (r: BenchResults): Target | undefined {
  if (r.serverPeakRssMiB === undefined) return undefined
  // Runs before these settings were recorded used the defaults: 19 MiB, CPUs − 1 runs at once.
  const runs = r.settings.passphraseHashConcurrency ?? Math.max(1, r.machine.cpus - 1)
  const hashMiB = (r.settings.argon2idMemoryKiB ?? 19_456) / 1024
  const limitMB = 200 + runs * hashMiB * MB_PER_MIB
  const overallMB = r.serverPeakRssMiB * MB_PER_MIB
  const peaks = Object.entries(r.workloads).filter(([, s]) => s.serverPeakRssMiB !== undefined)
  const own = peaks.filter(([name]) => !HASHING_WORKLOADS.has(name))
  const ownMB = own.length === 0 ? undefined : Math.max(...own.map(([, s]) => (s.serverPeakRssMiB ?? 0) * MB_PER_MIB))
  const roundEnds = Object.entries(r.workloads).filter(([name]) => !HASHING_WORKLOADS.has(name)).flatMap(([, s]) => s.raw.map((round) => round.serverRssMiB ?? 0))
  const perWorkload = peaks.length > 0
    ? `; per workload: ${peaks.map(([name, s]) => `${name} ${fmt((s.serverPeakRssMiB ?? 0) * MB_PER_MIB)}`).join(', ')} MB`
    : roundEnds.length > 0 ? `; per-workload peaks not recorded in this run: the rounds without hashing ended at ≤ ${fmt(Math.max(...roundEnds) * MB_PER_MIB)} MB` : ''
  return {
    name: 'server peak RSS under load: 200 MB (restated after run 4) plus Argon2id\'s working memory per hash in flight (after run 10)',
    target: `≤ 200 MB without hashing; ≤ 200 + ${runs} × ${fmt(hashMiB)} MiB = ${fmt(limitMB)} MB with it`,
    measured: `${fmt(overallMB)} MB over all phases${perWorkload}`,
    met: overallMB <= limitMB && (ownMB === undefined || ownMB <= 200)
  }
}

/**
 * The table's largest size in the middle and the last third of a churn run. The first third is
 * the ramp up to the first autovacuums; after it, a table whose space is reused moves in a
 * sawtooth (one autovacuum per autovacuum_naptime) under a level ceiling, and a bloating one
 * keeps climbing. Thirds of a 10-minute run hold several sawtooth periods each.
 */
export function churnThirds (c: ChurnResult): [number, number] {
  const end = c.minutes * 60
  const max = (from: number, to: number): number => Math.max(0, ...c.samples.filter((s) => s.t >= from && s.t < to).map((s) => s.totalBytes))
  return [max(end / 3, 2 * end / 3), max(2 * end / 3, end + 60)]
}

/** The bare route's figure for the same workload and rate, when the run measured it. */
export function bareAtRate (r: BenchResults, fixed: FixedRateResult): FixedRateResult | undefined {
  return r.fixedRateBare?.find((b) => b.workload === fixed.workload && b.rate === fixed.rate)
}

export function p99Range (fixed: FixedRateResult): string {
  return fixed.p99RangeMs === undefined ? '' : ` (${ms(fixed.p99RangeMs.min)}–${ms(fixed.p99RangeMs.max)})`
}

export function interferenceSummary (pi: PassphraseInterference): string {
  // results.json stores NaN as null: runs before the bench refused windows without a success.
  if (!Number.isFinite(pi.p99Ratio)) return `no result: a round had no successful request (first round: p99 ${ms(pi.revealWithPassphraseLoad.latencyMs.p99)} ms beside, ${ms(pi.revealAlone.latencyMs.p99)} ms alone)`
  return `${ms(pi.p99Ratio)}× (${interferenceP99s(pi)}); ${fmt(pi.hashesPerSecond)} Argon2id hashes/s`
}

/** "beside vs alone" p99s: medians with ranges over the rounds, or the single pair of older runs. */
export function interferenceP99s (pi: PassphraseInterference): string {
  if (pi.aloneP99Ms === undefined || pi.besideP99Ms === undefined) return `${ms(pi.revealWithPassphraseLoad.latencyMs.p99)} vs ${ms(pi.revealAlone.latencyMs.p99)} ms`
  return `${msRange(pi.besideP99Ms)} vs ${msRange(pi.aloneP99Ms)} ms, medians over rounds`
}
