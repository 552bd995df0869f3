// The Burnlink JSON API as the pages use it: same origin, every failure turned into ApiError.
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly retryAfterSeconds: number | undefined

  constructor (status: number, code: string, retryAfterSeconds?: number) {
    super(`${status} ${code}`)
    this.status = status
    this.code = code
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** status 0: the request never got an answer (offline, server down). */
export const NETWORK_ERROR = 'NETWORK_ERROR'

export interface WebConfig {
  minTtlSeconds: number
  maxTtlSeconds: number
  defaultTtlSeconds: number
  maxBytes: number
  features: { revealPassphrase: boolean }
}

export interface Created { secret_key: string, expires_at: string, receipt_key?: string }
export interface SecretStatus { status: 'waiting', requires_passphrase: boolean, expires_at: string }
export interface Receipt {
  status: 'waiting' | 'revealed' | 'deleted' | 'expired'
  created_at: string
  expires_at: string
  revealed_at: string | null
  revealed_by_ip: string | null
  deleted_at: string | null
  expired_at: string | null
}

export async function request<T> (method: string, url: string, options: { body?: unknown, headers?: Record<string, string> } = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      cache: 'no-store',
      credentials: 'omit'
    })
  } catch {
    throw new ApiError(0, NETWORK_ERROR)
  }
  const json: unknown = await res.json().catch(() => undefined)
  if (res.ok) return json as T
  const code = typeof json === 'object' && json !== null && 'code' in json && typeof json.code === 'string' ? json.code : `HTTP_${res.status}`
  const retryAfter = Number(res.headers.get('retry-after'))
  throw new ApiError(res.status, code, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined)
}

/** Header values are bytes: send the passphrase's UTF-8 bytes, which the server decodes as UTF-8. */
export function passphraseHeader (passphrase: string): Record<string, string> {
  return { 'x-passphrase': String.fromCharCode(...new TextEncoder().encode(passphrase)) }
}
