// A secret's lifetime: the requested ttl_seconds checked against the configured bounds.
import type { Config } from '../platform/config.ts'
import { SecretTtlOutOfRange } from '../platform/errors.ts'

/** The lifetime in seconds: the default when none was asked for; a 400 outside the bounds. */
export function resolveTtl (limits: Config['secret'], requested: number | undefined): number {
  const ttl = requested ?? limits.defaultTtlSeconds
  if (ttl < limits.minTtlSeconds) {
    throw new SecretTtlOutOfRange(`ttl_seconds must be at least ${limits.minTtlSeconds}: every secret stays available at least ${describeSeconds(limits.minTtlSeconds)} after creation`)
  }
  if (ttl > limits.maxTtlSeconds) {
    throw new SecretTtlOutOfRange(`ttl_seconds must be at most ${limits.maxTtlSeconds} (${describeSeconds(limits.maxTtlSeconds)})`)
  }
  return ttl
}

function describeSeconds (seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}`
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`
  return `${seconds} second${seconds === 1 ? '' : 's'}`
}
