// Browser sessions: a random id in a cookie, its SHA-256 in PostgreSQL with an expiry.
import { createHash, randomBytes } from 'node:crypto'
import type { Sql } from '../platform/database.ts'

/**
 * `__Host-` binds the cookie to this exact origin over HTTPS (no Domain, Path=/, Secure). Browsers
 * refuse a Secure cookie over plain http, so an http:// PUBLIC_URL (local tests) uses a plain name.
 */
export function sessionCookieName (publicUrl: string | undefined): string {
  return publicUrl?.startsWith('http://') === true ? 'burnlink_session' : '__Host-burnlink_session'
}

export function sessionCookie (publicUrl: string | undefined, value: string, maxAgeSeconds: number): string {
  const secure = publicUrl?.startsWith('http://') === true ? '' : '; Secure'
  return `${sessionCookieName(publicUrl)}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`
}

function hashSessionId (id: string): Buffer {
  return createHash('sha256').update(id).digest()
}

export interface Session {
  account_id: string
  email: string
  csrf_token: string
}

/** Opens a session for an account; returns the cookie value and the CSRF token. */
export async function openSession (sql: Sql, accountId: string, ttlSeconds: number): Promise<{ id: string, csrfToken: string }> {
  const id = randomBytes(32).toString('base64url')
  const csrfToken = randomBytes(32).toString('base64url')
  await sql`
    insert into account_session (id_hash, account_id, csrf_token, expires_at)
    values (${hashSessionId(id)}, ${accountId}, ${csrfToken}, now() + make_interval(secs => ${ttlSeconds}))`
  return { id, csrfToken }
}

/** The live session behind a cookie value, read on every request (sign-out holds everywhere at once). */
export async function findSession (sql: Sql, id: string): Promise<Session | undefined> {
  const [row] = await sql<Session[]>`
    select s.account_id::text as account_id, a.email, s.csrf_token
    from account_session s
    join account a on a.id = s.account_id
    where s.id_hash = ${hashSessionId(id)}
      and s.expires_at > now()`
  return row
}

export async function closeSession (sql: Sql, id: string): Promise<void> {
  await sql`
    delete from account_session
    where id_hash = ${hashSessionId(id)}`
}

/** Deletes sessions past their expiry (the purge job): findSession ignores them, nothing else would remove them. */
export async function purgeSessions (sql: Sql): Promise<void> {
  await sql`
    delete from account_session
    where expires_at <= now()`
}

/** The value of one cookie in a Cookie header. */
export function readCookie (header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
