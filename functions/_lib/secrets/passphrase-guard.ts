// The passphrase check shared by DELETE and gated GET: throttled before hashing, audited when denied.
import type { AuditContext } from './audit.ts'
import type { Config } from '../platform/config.ts'
import type { Sql } from '../platform/database.ts'
import { PassphraseLocked, PassphraseRequired, PassphraseWrong, SecretIsFile, SecretIsText, SecretNotFound } from '../platform/errors.ts'
import type { PassphraseKey } from './crypto.ts'
import { checkPassphrase, type HashPool } from './passphrase.ts'
import type { Token } from './token.ts'

export interface GuardedSecret {
  passphrase_hash: string | null
  reveal_requires_passphrase: boolean
}

/** A secret the request may act on; a passphrase that was checked brings its data-key share. */
export interface GrantedSecret extends GuardedSecret {
  /** Undefined without a passphrase, and for hashes stored before the one-run format (passphrase.ts). */
  passphraseKey: PassphraseKey | undefined
}

export interface GuardOptions {
  sql: Sql
  hashPool: HashPool
  limits: Config['passphraseThrottle']
  action: 'reveal' | 'delete'
  /** A reveal asks for one kind: a secret of the other kind is refused before any passphrase work. */
  kind?: 'text' | 'file'
}

/**
 * Resolves with the secret's row when the request may act on it; otherwise throws (404, 403 or
 * 429) after writing a `<action>_denied` audit row. A lock is checked in the same statement that
 * finds the secret, before any Argon2 work, so a locked-out guesser costs one indexed lookup.
 * Every check is then reserved as a failure before it runs (reserve), so concurrent guesses
 * cannot all pass the lock before the first failure is written; a right passphrase gives its
 * reservation back (settle). Denials never touch the secret itself: a wrong one never burns it.
 */
export async function guardPassphrase (options: GuardOptions, token: Token, who: AuditContext, passphrase: string | undefined): Promise<GrantedSecret> {
  const { sql, hashPool, limits, action } = options
  const [row] = await sql<Array<GuardedSecret & { kind: 'text' | 'file', locked_seconds: number | null }>>`
    select
      s.kind,
      s.passphrase_hash,
      s.reveal_requires_passphrase,
      (select ceil(extract(epoch from max(t.locked_until) - now()))::int
       from passphrase_throttle t
       where t.secret_id = s.id
         and t.scope in (${who.client}, '*')
         and t.locked_until > now()) as locked_seconds
    from secret s
    where s.id = ${token.id}
      and s.expires_at > now()`
  if (row === undefined) throw new SecretNotFound()
  if (options.kind !== undefined && row.kind !== options.kind) throw row.kind === 'file' ? new SecretIsFile() : new SecretIsText()
  const granted = { passphrase_hash: row.passphrase_hash, reveal_requires_passphrase: row.reveal_requires_passphrase }
  if (row.passphrase_hash === null) return { ...granted, passphraseKey: undefined }
  if (row.locked_seconds !== null) {
    await recordDenial(sql, action, token, who, { reason: 'throttled' })
    throw new PassphraseLocked(Math.max(1, row.locked_seconds))
  }
  if (passphrase === undefined) {
    await recordDenial(sql, action, token, who, { reason: 'missing' })
    throw new PassphraseRequired()
  }
  const reserved = await reserve(sql, limits, token, who)
  if (!reserved.ok) {
    await recordDenial(sql, action, token, who, { reason: 'throttled' })
    throw new PassphraseLocked(reserved.retryAfter)
  }
  const check = await checkPassphrase(hashPool, row.passphrase_hash, passphrase)
  if (!check.ok) {
    await recordDenial(sql, action, token, who, { reason: 'wrong', failures: reserved.failures, locked: reserved.locked })
    throw new PassphraseWrong()
  }
  await settle(sql, limits, token, who.client)
  return { ...granted, passphraseKey: check.key }
}

async function recordDenial (sql: Sql, action: GuardOptions['action'], token: Token, who: AuditContext, details: Record<string, string | number | boolean>): Promise<void> {
  await sql`
    insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
    values (${`${action}_denied`}, ${token.ref}, ${who.client_ip}, ${who.client_ip_hash}, ${who.user_agent}, ${who.request_id}, ${sql.json(details)})`
}

type Reservation = { ok: true, failures: number, locked: boolean } | { ok: false, retryAfter: number }

/**
 * Counts an attempt as a failure before its check runs, for the client and then for the secret
 * as a whole, and sets a lock when a count reaches its limit. ON CONFLICT's WHERE sees the row as
 * the last committed statement left it (the row is locked meanwhile), so concurrent attempts
 * queue on the row and those past the limit find it locked: the lock check and the count are one
 * step. The secret's row is counted only when the client's was, so a locked-out client never
 * spends the secret's budget; in the other order (the client's counted, the secret's locked),
 * the client's count is given back.
 */
async function reserve (sql: Sql, limits: GuardOptions['limits'], token: Token, who: AuditContext): Promise<Reservation> {
  const [row] = await sql<Array<{ client_failures: number | null, client_locked: boolean | null, secret_failures: number | null, secret_locked: boolean | null, locked_seconds: number | null }>>`
    with client as (
      insert into passphrase_throttle as t (secret_id, scope, failures, window_start, locked_until)
      values (${token.id}, ${who.client}, 1, now(), case when ${limits.maxPerClient}::int <= 1 then now() + make_interval(secs => ${limits.lockSeconds}) end)
      on conflict (secret_id, scope) do update set
        failures = case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then 1 else t.failures + 1 end,
        window_start = case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then now() else t.window_start end,
        locked_until = case
          when (case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then 1 else t.failures + 1 end) >= ${limits.maxPerClient}::int
          then now() + make_interval(secs => ${limits.lockSeconds})
          else t.locked_until
        end
      where t.locked_until is null or t.locked_until <= now()
      returning failures, locked_until is not null and locked_until > now() as locked
    ), everyone as (
      insert into passphrase_throttle as t (secret_id, scope, failures, window_start, locked_until)
      select ${token.id}, '*', 1, now(), case when ${limits.maxPerSecret}::int <= 1 then now() + make_interval(secs => ${limits.lockSeconds}) end
      from client
      on conflict (secret_id, scope) do update set
        failures = case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then 1 else t.failures + 1 end,
        window_start = case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then now() else t.window_start end,
        locked_until = case
          when (case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then 1 else t.failures + 1 end) >= ${limits.maxPerSecret}::int
          then now() + make_interval(secs => ${limits.lockSeconds})
          else t.locked_until
        end
      where t.locked_until is null or t.locked_until <= now()
      returning failures, locked_until is not null and locked_until > now() as locked
    )
    select
      (select failures from client) as client_failures,
      (select locked from client) as client_locked,
      (select failures from everyone) as secret_failures,
      (select locked from everyone) as secret_locked,
      (select ceil(extract(epoch from max(t.locked_until) - now()))::int
       from passphrase_throttle t
       where t.secret_id = ${token.id}
         and t.scope in (${who.client}, '*')) as locked_seconds`
  const lockedFor = Math.max(1, row?.locked_seconds ?? limits.lockSeconds)
  if (row?.client_failures == null) return { ok: false, retryAfter: lockedFor }
  if (row.secret_failures === null) {
    await settle(sql, limits, token, who.client, false)
    return { ok: false, retryAfter: lockedFor }
  }
  return { ok: true, failures: row.client_failures, locked: row.client_locked === true || row.secret_locked === true }
}

/**
 * Gives a reservation back: the check it was made for found the right passphrase (or, with
 * `everyone` false, the secret was locked before it could be counted). A lock only that
 * reservation set is lifted with it.
 */
async function settle (sql: Sql, limits: GuardOptions['limits'], token: Token, client: string, everyone = true): Promise<void> {
  await sql`
    update passphrase_throttle set
      failures = greatest(failures - 1, 0),
      locked_until = case
        when failures - 1 < case when scope = '*' then ${limits.maxPerSecret}::int else ${limits.maxPerClient}::int end then null
        else locked_until
      end
    where secret_id = ${token.id}
      and scope in (${client}, ${everyone ? '*' : client})`
}
