// The passphrase check shared by DELETE and gated GET: throttled before hashing, audited when denied.
import type { AuditContext } from './audit.ts'
import type { Config } from '../platform/config.ts'
import type { Sql } from '../platform/database.ts'
import { PassphraseLocked, PassphraseRequired, PassphraseWrong, SecretNotFound } from '../platform/errors.ts'
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
}

/**
 * Resolves with the secret's row when the request may act on it; otherwise throws (404, 403 or
 * 429) after writing a `<action>_denied` audit row. A lock is checked in the same statement that
 * finds the secret, before any Argon2 work, so a locked-out guesser costs one indexed lookup.
 * Denials never touch the secret itself: a wrong passphrase never burns it.
 */
export async function guardPassphrase (options: GuardOptions, token: Token, who: AuditContext, passphrase: string | undefined): Promise<GrantedSecret> {
  const { sql, hashPool, limits, action } = options
  const [row] = await sql<Array<GuardedSecret & { locked_seconds: number | null }>>`
    select
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
  const granted = { passphrase_hash: row.passphrase_hash, reveal_requires_passphrase: row.reveal_requires_passphrase }
  if (row.passphrase_hash === null) return { ...granted, passphraseKey: undefined }
  if (row.locked_seconds !== null) {
    await recordDenial(sql, action, token, who, 'throttled')
    throw new PassphraseLocked(Math.max(1, row.locked_seconds))
  }
  if (passphrase === undefined) {
    await recordDenial(sql, action, token, who, 'missing')
    throw new PassphraseRequired()
  }
  const check = await checkPassphrase(hashPool, row.passphrase_hash, passphrase)
  if (!check.ok) {
    await recordFailure(sql, limits, action, token, who)
    throw new PassphraseWrong()
  }
  return { ...granted, passphraseKey: check.key }
}

async function recordDenial (sql: Sql, action: GuardOptions['action'], token: Token, who: AuditContext, reason: string): Promise<void> {
  await sql`
    insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
    values (${`${action}_denied`}, ${token.ref}, ${who.client_ip}, ${who.client_ip_hash}, ${who.user_agent}, ${who.request_id}, ${sql.json({ reason })})`
}

/**
 * One statement counts the failure for the client and for the secret as a whole (a window that
 * has run out starts again at 1), sets a lock when a count reaches its limit, and audits it.
 */
async function recordFailure (sql: Sql, limits: GuardOptions['limits'], action: GuardOptions['action'], token: Token, who: AuditContext): Promise<void> {
  await sql`
    with counted as (
      insert into passphrase_throttle as t (secret_id, scope, failures, window_start, locked_until)
      values
        (${token.id}, ${who.client}, 1, now(), case when ${limits.maxPerClient}::int <= 1 then now() + make_interval(secs => ${limits.lockSeconds}) end),
        (${token.id}, '*', 1, now(), case when ${limits.maxPerSecret}::int <= 1 then now() + make_interval(secs => ${limits.lockSeconds}) end)
      on conflict (secret_id, scope) do update set
        failures = case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then 1 else t.failures + 1 end,
        window_start = case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then now() else t.window_start end,
        locked_until = case
          when (case when t.window_start < now() - make_interval(secs => ${limits.windowSeconds}) then 1 else t.failures + 1 end)
               >= case when t.scope = '*' then ${limits.maxPerSecret}::int else ${limits.maxPerClient}::int end
          then now() + make_interval(secs => ${limits.lockSeconds})
          else t.locked_until
        end
      returning scope, failures, locked_until is not null and locked_until > now() as locked
    )
    insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
    select ${`${action}_denied`}, ${token.ref}, ${who.client_ip}, ${who.client_ip_hash}, ${who.user_agent}, ${who.request_id},
      jsonb_build_object('reason', 'wrong', 'failures', max(failures) filter (where scope <> '*'), 'locked', bool_or(locked))
    from counted`
}
