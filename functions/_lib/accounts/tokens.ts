// API tokens: 256 random bits behind a recognisable prefix, stored only as their SHA-256.
import { createHash, randomBytes } from 'node:crypto'
import type { Sql } from '../platform/database.ts'

/** Lets secret scanners and people recognise a Burnlink token in a leaked file. */
export const TOKEN_PREFIX = 'blt_'
const TOKEN_PATTERN = /^blt_[A-Za-z0-9_-]{43}$/

// Plain SHA-256 is the right hash here: the token is 256 random bits, so there is nothing to
// guess and a slow hash would only slow every request.
export function hashApiToken (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}

export function isApiTokenShaped (token: string): boolean {
  return TOKEN_PATTERN.test(token)
}

export interface TokenRow {
  name: string
  created_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
}

/** Creates a token and returns it: the only time it exists outside the caller's hands. */
export async function createApiToken (sql: Sql, name: string, accountId: string | null): Promise<string> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url')
  await sql`
    insert into api_token (account_id, name, token_hash)
    values (${accountId}, ${name}, ${hashApiToken(token)})`
  return token
}

/** An owner's tokens (null: the operator's), newest first, revoked ones included. */
export async function listApiTokens (sql: Sql, accountId: string | null): Promise<TokenRow[]> {
  return [...await sql<TokenRow[]>`
    select name, created_at, last_used_at, revoked_at
    from api_token
    where account_id is not distinct from ${accountId}
    order by created_at desc`]
}

/** Every token of every owner, for the operator's list. */
export async function listAllApiTokens (sql: Sql): Promise<Array<TokenRow & { owner: string | null }>> {
  return [...await sql<Array<TokenRow & { owner: string | null }>>`
    select t.name, t.created_at, t.last_used_at, t.revoked_at, a.email as owner
    from api_token t
    left join account a on a.id = t.account_id
    order by t.created_at desc`]
}

/** Revokes an owner's live token by name; false when there was none. */
export async function revokeApiToken (sql: Sql, name: string, accountId: string | null): Promise<boolean> {
  const rows = await sql`
    update api_token
    set revoked_at = now()
    where name = ${name}
      and account_id is not distinct from ${accountId}
      and revoked_at is null
    returning id`
  return rows.length > 0
}

export interface TokenOwner {
  token_id: string
  account_id: string | null
  email: string | null
}

/**
 * The owner of a live token, looked up on every request so that a revocation holds at once on
 * every instance. last_used_at is written at most once a minute: a busy script must not turn
 * every create into a row update.
 */
export async function findApiTokenOwner (sql: Sql, token: string): Promise<TokenOwner | undefined> {
  const [row] = await sql<TokenOwner[]>`
    with found as (
      select t.id, t.account_id, a.email, t.last_used_at
      from api_token t
      left join account a on a.id = t.account_id
      where t.token_hash = ${hashApiToken(token)}
        and t.revoked_at is null
    ), touched as (
      update api_token
      set last_used_at = now()
      where id = (select id from found)
        and (last_used_at is null or last_used_at < now() - interval '1 minute')
    )
    select id::text as token_id, account_id::text as account_id, email from found`
  return row
}
