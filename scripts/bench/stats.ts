// Summaries for benchmark samples: percentiles of one run, and median with min–max across rounds.

export interface Spread { median: number, min: number, max: number }

/** Median and range of per-round values (the figure reported for a repeated measurement). */
export function spread (values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN }
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number }
}

/** Nearest-rank percentile of an already sorted array; NaN when empty. */
export function percentile (sorted: Float64Array | readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}

export interface LatencySummary { p50: number, p90: number, p99: number, max: number }

/** Latency percentiles in milliseconds from raw samples (sorted in place). */
export function summarizeLatency (samples: Float64Array): LatencySummary {
  samples.sort()
  return { p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99), max: percentile(samples, 100) }
}

/** Rounds a number for reports: 3 significant digits is all a noisy machine supports. */
export function round3 (value: number): number {
  if (!Number.isFinite(value) || value === 0) return value
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))))
  return Number(value.toFixed(Math.min(digits, 6)))
}
