// The only reader of process.env: parsed once at start-up against the schema of every variable
// (env-schema.ts), then checked across variables into the Config the rest of the code reads.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import { EnvSchema, type Env } from './env-schema.ts'
import { checkLiteral, DestinationRefused, parseDestination } from '../webhooks/destination.ts'

export type TrustProxy = boolean | number | string[]

export interface Config {
  readonly database: Readonly<{
    host?: string
    port: number
    database: string
    user: string
    password?: string
    poolSize: number
    prepare: boolean
  }>
  /** Timeouts in seconds: headers, the whole request, an idle keep-alive connection. */
  readonly http: Readonly<{ port: number, host: string, trustProxy: TrustProxy, headersTimeout: number, requestTimeout: number, keepAliveTimeout: number }>
  readonly dataDir: string
  readonly logLevel: Env['LOG_LEVEL']
  readonly functions: string
  readonly runWorker: boolean
  readonly purgeBatchSize: number
  /** Expired secrets the purge may delete per second (PURGE_ROWS_PER_SECOND; 0 = unpaced). */
  readonly purgeRowsPerSecond: number
  readonly webhook: Readonly<{
    allowHttp: boolean
    allowPrivateNetworks: boolean
    /** The operator-wide stream, when both WEBHOOK_URL and WEBHOOK_SECRET are set. */
    stream?: Readonly<{ url: string, secret: string }>
    timeoutSeconds: number
    retryLimit: number
    retryDelaySeconds: number
  }>
  readonly secret: Readonly<{ maxBytes: number, defaultTtlSeconds: number, minTtlSeconds: number, maxTtlSeconds: number }>
  readonly file: Readonly<{ maxBytes: number }>
  readonly encryption: Readonly<{ key?: string, previousKeys: readonly string[] }>
  readonly passphraseThrottle: Readonly<{ maxPerClient: number, maxPerSecret: number, windowSeconds: number, lockSeconds: number }>
  /** Argon2id hashes at once (PASSPHRASE_HASH_CONCURRENCY, 0 resolved to CPUs − 1). */
  readonly passphraseHashConcurrency: number
  /** Requests per client IP per minute; 0 = unlimited. */
  readonly rateLimit: Readonly<{ create: number, read: number, delete: number }>
  /** Bytes of ciphertext one client may store per window; bytesPerClient 0 = unlimited. */
  readonly storageQuota: Readonly<{ bytesPerClient: number, windowSeconds: number }>
  /** Leading bits of an IPv6 address that make one client (client-key.ts). */
  readonly clientIpv6Prefix: number
  readonly audit: Readonly<{ ipMode: 'full' | 'truncated' | 'hashed', retentionDays: number }>
  readonly metrics: Readonly<{ token?: string }>
  readonly accounts: Accounts
}

export interface Oidc {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  /** Lower-case domains; empty = any. */
  readonly allowedEmailDomains: readonly string[]
  readonly requiredGroup?: string
  readonly groupsClaim: string
}

export interface Accounts {
  readonly creators: 'anyone' | 'signed-in'
  readonly auditEmail: boolean
  readonly sessionTtlSeconds: number
  readonly publicUrl?: string
  /** Present when sign-in is configured (OIDC_ISSUER and its companions). */
  readonly oidc?: Oidc
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The floor the product promises: a secret stays readable at least 5 minutes. */
export const PROMISED_MIN_TTL_SECONDS = 300

/** Parses the environment; throws ConfigError with one line naming the variable at fault. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const name of Object.keys(EnvSchema.properties)) {
    const value = env[name]
    if (value !== undefined && value !== '') raw[name] = value
  }
  const converted = Value.Convert(EnvSchema, Value.Default(EnvSchema, raw))
  const firstError = Value.Errors(EnvSchema, converted).First()
  if (firstError !== undefined) {
    const name = firstError.path.replace(/^\//, '')
    throw new ConfigError(`${name}=${JSON.stringify(raw[name] ?? '')} is invalid: ${firstError.message} (${describe(name)})`)
  }
  const e = converted as Env
  return Object.freeze({
    database: Object.freeze({
      ...(e.POSTGRES_HOST === undefined ? {} : { host: e.POSTGRES_HOST }),
      ...optional('password', e.POSTGRES_PASSWORD ?? readSecretFile('POSTGRES_PASSWORD_FILE', e.POSTGRES_PASSWORD_FILE)),
      port: e.POSTGRES_PORT,
      database: e.POSTGRES_DB,
      user: e.POSTGRES_USER,
      poolSize: e.POSTGRES_POOL_SIZE,
      prepare: e.POSTGRES_PREPARE === 'true'
    }),
    http: Object.freeze({
      port: e.PORT,
      host: e.HOST,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      // Node requires the headers' limit to be within the whole request's.
      headersTimeout: Math.min(e.HTTP_HEADERS_TIMEOUT_SECONDS, e.HTTP_REQUEST_TIMEOUT_SECONDS),
      requestTimeout: e.HTTP_REQUEST_TIMEOUT_SECONDS,
      keepAliveTimeout: e.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS
    }),
    dataDir: resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    functions: e.FUNCTIONS,
    runWorker: e.RUN_WORKER === 'true',
    purgeBatchSize: e.PURGE_BATCH_SIZE,
    purgeRowsPerSecond: e.PURGE_ROWS_PER_SECOND,
    secret: Object.freeze(checkTtlBounds(e)),
    file: Object.freeze({ maxBytes: e.FILE_MAX_BYTES }),
    encryption: Object.freeze({
      ...optional('key', e.ENCRYPTION_KEY ?? readSecretFile('ENCRYPTION_KEY_FILE', e.ENCRYPTION_KEY_FILE)),
      previousKeys: Object.freeze((e.ENCRYPTION_KEYS_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== ''))
    }),
    metrics: Object.freeze(optional('token', e.METRICS_TOKEN)),
    passphraseThrottle: Object.freeze({
      maxPerClient: e.PASSPHRASE_MAX_FAILURES_PER_CLIENT,
      maxPerSecret: e.PASSPHRASE_MAX_FAILURES_PER_SECRET,
      windowSeconds: e.PASSPHRASE_FAILURE_WINDOW_SECONDS,
      lockSeconds: e.PASSPHRASE_LOCK_SECONDS
    }),
    passphraseHashConcurrency: e.PASSPHRASE_HASH_CONCURRENCY === 0 ? defaultHashConcurrency() : e.PASSPHRASE_HASH_CONCURRENCY,
    rateLimit: Object.freeze({ create: e.RATE_LIMIT_CREATE_PER_MINUTE, read: e.RATE_LIMIT_READ_PER_MINUTE, delete: e.RATE_LIMIT_DELETE_PER_MINUTE }),
    storageQuota: Object.freeze(checkStorageQuota(e)),
    clientIpv6Prefix: e.CLIENT_IPV6_PREFIX,
    audit: Object.freeze({ ipMode: e.AUDIT_IP_MODE, retentionDays: e.AUDIT_RETENTION_DAYS }),
    accounts: Object.freeze(accounts(e)),
    webhook: Object.freeze({
      allowHttp: e.WEBHOOK_ALLOW_HTTP === 'true',
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
      ...optional('stream', webhookStream(e)),
      timeoutSeconds: e.WEBHOOK_TIMEOUT_SECONDS,
      retryLimit: e.WEBHOOK_RETRY_LIMIT,
      retryDelaySeconds: e.WEBHOOK_RETRY_DELAY_SECONDS
    })
  })
}

function webhookStream (e: Env): { url: string, secret: string } | undefined {
  if ((e.WEBHOOK_URL === undefined) !== (e.WEBHOOK_SECRET === undefined)) {
    throw new ConfigError('WEBHOOK_URL and WEBHOOK_SECRET go together: set both for the operator-wide stream, or neither')
  }
  if (e.WEBHOOK_URL === undefined || e.WEBHOOK_SECRET === undefined) return undefined
  // Checked now as a notify_url is at create time, so that a mistyped stream fails the start
  // rather than every delivery. A host name's addresses are checked at each delivery's connect.
  const policy = { allowHttp: e.WEBHOOK_ALLOW_HTTP === 'true', allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true' }
  try {
    checkLiteral(parseDestination(e.WEBHOOK_URL, policy, 'WEBHOOK_URL'), policy)
  } catch (err) {
    if (!(err instanceof DestinationRefused)) throw err
    throw new ConfigError(err.message.startsWith('WEBHOOK_URL') ? err.message : `WEBHOOK_URL refused: ${err.message} (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true allows it)`)
  }
  return Object.freeze({ url: e.WEBHOOK_URL, secret: e.WEBHOOK_SECRET })
}

function accounts (e: Env): Accounts {
  const base = {
    creators: e.CREATORS,
    auditEmail: e.AUDIT_ACCOUNT_EMAIL === 'true',
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    ...optional('publicUrl', e.PUBLIC_URL)
  }
  if (e.OIDC_ISSUER === undefined) return base
  for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL'] as const) {
    if (e[name] === undefined) throw new ConfigError(`OIDC_ISSUER is set but ${name} is not: sign-in needs ${name} (${describe(name)})`)
  }
  return {
    ...base,
    oidc: Object.freeze({
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID ?? '',
      clientSecret: e.OIDC_CLIENT_SECRET ?? '',
      allowedEmailDomains: Object.freeze((e.OIDC_ALLOWED_EMAIL_DOMAINS ?? '').split(',').map((d) => d.trim().toLowerCase()).filter((d) => d !== '')),
      ...optional('requiredGroup', e.OIDC_REQUIRED_GROUP),
      groupsClaim: e.OIDC_GROUPS_CLAIM
    })
  }
}

// Argon2id keeps a core busy for the whole hash: with every core hashing, the event loop and a
// PostgreSQL on the same machine wait behind it (measured in docs/benchmarks.md).
/** PASSPHRASE_HASH_CONCURRENCY=0: one less than the CPUs, at least 1. */
export function defaultHashConcurrency (): number {
  return Math.max(1, availableParallelism() - 1)
}

function checkTtlBounds (e: Env): Config['secret'] {
  const bounds = {
    maxBytes: e.SECRET_MAX_BYTES,
    defaultTtlSeconds: e.SECRET_DEFAULT_TTL_SECONDS,
    minTtlSeconds: e.SECRET_MIN_TTL_SECONDS,
    maxTtlSeconds: e.SECRET_MAX_TTL_SECONDS
  }
  if (bounds.minTtlSeconds > bounds.maxTtlSeconds) {
    throw new ConfigError(`SECRET_MIN_TTL_SECONDS=${bounds.minTtlSeconds} is larger than SECRET_MAX_TTL_SECONDS=${bounds.maxTtlSeconds}`)
  }
  if (bounds.defaultTtlSeconds < bounds.minTtlSeconds || bounds.defaultTtlSeconds > bounds.maxTtlSeconds) {
    throw new ConfigError(`SECRET_DEFAULT_TTL_SECONDS=${bounds.defaultTtlSeconds} is outside [SECRET_MIN_TTL_SECONDS, SECRET_MAX_TTL_SECONDS] = [${bounds.minTtlSeconds}, ${bounds.maxTtlSeconds}]`)
  }
  return bounds
}

/**
 * A quota smaller than the largest secret's ciphertext would refuse that secret in every window.
 * Padding adds at most an eighth (or fills a short text to its first bucket) and the envelope a
 * few dozen bytes, so twice the largest secret plus a kibibyte always leaves room for one.
 */
function checkStorageQuota (e: Env): Config['storageQuota'] {
  const least = 2 * e.SECRET_MAX_BYTES + 1024
  if (e.STORAGE_QUOTA_BYTES_PER_CLIENT !== 0 && e.STORAGE_QUOTA_BYTES_PER_CLIENT < least) {
    throw new ConfigError(`STORAGE_QUOTA_BYTES_PER_CLIENT=${e.STORAGE_QUOTA_BYTES_PER_CLIENT} is too small for SECRET_MAX_BYTES=${e.SECRET_MAX_BYTES}: 0 (unlimited) or at least ${least}, so the largest secret, padded and encrypted, fits`)
  }
  return { bytesPerClient: e.STORAGE_QUOTA_BYTES_PER_CLIENT, windowSeconds: e.STORAGE_QUOTA_WINDOW_SECONDS }
}

/** Warnings the entry point logs once the logger exists. */
export function configWarnings (config: Config): string[] {
  const warnings: string[] = []
  if (config.secret.minTtlSeconds < PROMISED_MIN_TTL_SECONDS) {
    warnings.push(`SECRET_MIN_TTL_SECONDS=${config.secret.minTtlSeconds} is below ${PROMISED_MIN_TTL_SECONDS}: secrets may expire sooner than the 5 minutes Burnlink promises (meant for tests only)`)
  }
  if (config.http.trustProxy === true) {
    warnings.push('TRUST_PROXY=true trusts X-Forwarded-For from any peer: audit IPs can be spoofed unless every request passes a proxy you run')
  }
  return warnings
}

function parseTrustProxy (value: string): TrustProxy {
  if (value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  const list = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const address = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/
  const bad = list.find((entry) => !address.test(entry))
  if (list.length === 0 || bad !== undefined) {
    throw new ConfigError(`TRUST_PROXY=${JSON.stringify(value)} is invalid: expected false, true, a hop count or comma-separated IPs/CIDRs (${bad ?? 'empty list'})`)
  }
  return list
}

function readSecretFile (name: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new ConfigError(`${name}=${JSON.stringify(path)} cannot be read: ${(err as Error).message}`)
  }
}

function optional<K extends string, V> (key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

function describe (name: string): string {
  const schema = (EnvSchema.properties as Record<string, { description?: string }>)[name]
  return schema?.description ?? 'unknown variable'
}
