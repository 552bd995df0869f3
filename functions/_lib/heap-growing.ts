// After each full collection V8 lets the old generation grow to a multiple of what survived before
// it collects again. It picks the factor from how fast collections run next to how fast the
// program allocates — up to 4× on a machine with memory to spare — and under request load it
// picks 4: the garbage of requests that outlived a scavenge (everything in flight while one runs)
// piles up to three times the live heap. 1.5× keeps the server 30–45 MiB smaller under load at
// the same CPU and latency; 1.1× saved a little more but lengthened the create p99 at saturation
// by half (ADR 9). V8 reads the flag whenever it sets a new limit, so setting it after start takes
// effect at the next collection; it cannot go in NODE_OPTIONS, which refuses most V8 flags.
import { setFlagsFromString } from 'node:v8'

/** Fixes V8's heap growing factor at 1 + percent/100; 0 leaves V8's own choice. */
export function applyHeapGrowingPercent (percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`)
}
