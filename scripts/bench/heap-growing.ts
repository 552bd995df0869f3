// How far may V8's old generation grow past the live heap before the next full collection?
// After each mark-compact V8 sets the next limit at the live size times a factor it picks itself
// (1.1 to 4, larger when collections are cheap next to the allocation rate; at least 8 MiB more,
// plus the young generation's capacity), and under this server's load it picks large ones:
// garbage of requests that outlived a scavenge piles up in the old generation.
// HEAP_GROWING_PERCENT fixes the factor (functions/_lib/heap-growing.ts). The server runs create,
// create with passphrase (Argon2id on the threadpool beside the collector's threads) and reveal
// with V8's own choice (0) and with 100, 50 (the default, ADR 9) and 10 % (with this server's
// ~25 MiB live heap any value under ~30 % gives the 8 MiB minimum step): peak RSS against server
// CPU per request, each setting in a fresh process on a fresh database, the rest as in production.
import type { WorkloadSummary } from './load.ts'
import { sweepSetting } from './setting-sweep.ts'
import type { Timing } from './workloads.ts'

export interface HeapGrowingResult {
  /** HEAP_GROWING_PERCENT; 0 = V8 chooses the factor. */
  heapGrowingPercent: number
  peakRssMiB: number | undefined
  workloads: Record<string, WorkloadSummary>
}

export const HEAP_GROWING_SETTINGS: readonly number[] = [0, 100, 50, 10]

export async function measureHeapGrowing (timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<HeapGrowingResult[]> {
  const settings = HEAP_GROWING_SETTINGS.map((value) => ({ value, env: { HEAP_GROWING_PERCENT: String(value) } }))
  const points = await sweepSetting(settings, ['create', 'create-passphrase', 'reveal'], timing, env, outDir, expectedRate, log)
  return points.map(({ value, ...rest }) => ({ heapGrowingPercent: value ?? 0, ...rest }))
}
