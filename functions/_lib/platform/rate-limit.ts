// Per-route request limits (per client key, see client-key.ts, per process) for @fastify/rate-limit.

/** The route `config.rateLimit` value: false when the limit is 0 (unlimited). */
export function perMinute (max: number): false | { max: number, timeWindow: number } {
  return max === 0 ? false : { max, timeWindow: 60_000 }
}
