// The Burnlink JSON API as the pages use it: same origin, every failure turned into ApiError.
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly retryAfterSeconds: number | undefined
  /** The server's own sentence (in English), for clients that show it as it is: the CLI. */
  readonly detail: string | undefined

  constructor (status: number, code: string, retryAfterSeconds?: number, detail?: string) {
    super(`${status} ${code}`)
    this.status = status
    this.code = code
    this.retryAfterSeconds = retryAfterSeconds
    this.detail = detail
  }
}

/** status 0: the request never got an answer (offline, server down). */
export const NETWORK_ERROR = 'NETWORK_ERROR'

export interface WebConfig {
  minTtlSeconds: number
  maxTtlSeconds: number
  defaultTtlSeconds: number
  maxBytes: number
  /** FILE_MAX_BYTES: the largest file envelope the server takes; absent on a server without files. */
  fileMaxBytes?: number
  features: { revealPassphrase: boolean }
}

export interface Created { secret_key: string, expires_at: string, receipt_key?: string, notify_secret?: string }
/** `kind` is absent on a server from before files: that is text. */
export interface SecretStatus { status: 'waiting', requires_passphrase: boolean, expires_at: string, kind?: 'text' | 'file' }
export interface Receipt {
  status: 'waiting' | 'revealed' | 'deleted' | 'expired'
  created_at: string
  expires_at: string
  revealed_at: string | null
  revealed_by_ip: string | null
  deleted_at: string | null
  expired_at: string | null
}

/** What GET /account/me says of this browser. */
export interface Me { signed_in: boolean, email?: string, csrf_token?: string, sign_in_available: boolean, creators: 'anyone' | 'signed-in' }

// Signed in, the pages send the session cookie and its CSRF token (which another site cannot
// read); otherwise no cookie ever leaves the browser with a request.
let csrfToken: string | undefined

/** Asks who is signed in here (an older server without accounts: nobody), and remembers it. */
export async function loadMe (): Promise<Me> {
  let me: Me = { signed_in: false, sign_in_available: false, creators: 'anyone' }
  try {
    const res = await fetch('/account/me', { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
    if (res.ok) me = await res.json() as Me
  } catch {}
  csrfToken = me.csrf_token
  return me
}

function session (): { credentials: 'omit' | 'same-origin', headers: Record<string, string> } {
  return csrfToken === undefined ? { credentials: 'omit', headers: {} } : { credentials: 'same-origin', headers: { 'x-csrf-token': csrfToken } }
}

export async function request<T> (method: string, url: string, options: { body?: unknown, headers?: Record<string, string> } = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...session().headers, ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      cache: 'no-store',
      credentials: session().credentials
    })
  } catch {
    throw new ApiError(0, NETWORK_ERROR)
  }
  if (!res.ok) throw await errorFrom(res)
  if (res.status === 204) return undefined as T
  return await res.json().catch(() => undefined) as T
}

/**
 * POST of a client-encrypted file as one body (POST /file, a request's file answer), its options in
 * the query and the headers; the browser sets Content-Length from the Blob.
 */
export async function postFile<T = Created> (url: string, body: Blob, headers: Record<string, string> = {}): Promise<T> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/octet-stream', ...session().headers, ...headers },
      body,
      cache: 'no-store',
      credentials: session().credentials
    })
  } catch {
    throw new ApiError(0, NETWORK_ERROR)
  }
  if (!res.ok) throw await errorFrom(res)
  return await res.json() as T
}

/** The ApiError a failed answer stands for, from its {code, message} body and Retry-After. */
export async function errorFrom (res: Response): Promise<ApiError> {
  const json: unknown = await res.json().catch(() => undefined)
  const field = (name: string): string | undefined => {
    const value = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)[name] : undefined
    return typeof value === 'string' ? value : undefined
  }
  const retryAfter = Number(res.headers.get('retry-after'))
  return new ApiError(res.status, field('code') ?? `HTTP_${res.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, field('message'))
}

/** Header values are bytes: send the passphrase's UTF-8 bytes, which the server decodes as UTF-8. */
export function passphraseHeader (passphrase: string): Record<string, string> {
  return { 'x-passphrase': String.fromCharCode(...new TextEncoder().encode(passphrase)) }
}
