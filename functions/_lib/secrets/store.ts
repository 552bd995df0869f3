// The secret store: every statement that creates, reveals, deletes or looks at a secret, text or
// file. Each operation is one statement, so a secret never exists without its receipt and
// 'created' audit row, and never leaves without its 'revealed' or 'deleted' row (ADR 5). A file's
// upload, publication and chunks have statements of their own (file-statements.ts).
import type postgres from 'postgres'
import type { AuditContext } from './audit.ts'
import type { Sql } from '../platform/database.ts'
import { StorageQuotaExceeded } from '../platform/errors.ts'
import type { NewNotifyTarget } from '../webhooks/subscribe.ts'

export interface NewSecret {
  /** SHA-256 of the secret key: the row's primary key. */
  readonly id: Buffer
  readonly ref: string
  readonly ciphertext: Buffer
  readonly passphraseHash: string | null
  readonly revealRequiresPassphrase: boolean
  readonly ttlSeconds: number
  /** SHA-256 of the receipt key. */
  readonly receiptId: Buffer
  readonly by: AuditedBy
  /** account.id of a signed-in creator, null for an anonymous create or an operator's token. */
  readonly accountId: string | null
  /** The 'created' audit row's details. */
  readonly details: Readonly<Record<string, unknown>>
  /** The creator's storage quota; null = unlimited. */
  readonly quota: StorageQuota | null
  /** A notify_url and its sealed signing secret, stored in the same statement; null without one. */
  readonly notify?: NewNotifyTarget | null
}

export interface StorageQuota {
  /** The client as per-client state stores it (AuditContext.client). */
  readonly client: string
  readonly bytesPerClient: number
  readonly windowSeconds: number
}

/** Who asked, as the audit log records it. */
export type AuditedBy = Pick<AuditContext, 'client_ip' | 'client_ip_hash' | 'user_agent' | 'request_id'>

/**
 * Stores a secret with its receipt and 'created' audit row; returns when it expires. With a
 * quota, the same statement first adds the ciphertext's bytes to the client's count for the
 * current window, and stores nothing (StorageQuotaExceeded) when that would pass the quota.
 */
export async function insertSecret (sql: Sql, s: NewSecret): Promise<Date> {
  const [row] = await sql<Array<{ expires_at: Date | null, retry_after: number }>>`
    with clock as (
      select to_timestamp((floor(extract(epoch from now()) / ${s.quota?.windowSeconds ?? 1}::int) + 1) * ${s.quota?.windowSeconds ?? 1}::int) as window_end
    ), charged as (
      ${s.quota === null ? sql`select window_end from clock` : charge(sql, s.quota, s.ciphertext.length)}
    ), stored as (
      insert into secret (id, ref, ciphertext, passphrase_hash, reveal_requires_passphrase, expires_at)
      select ${s.id}, ${s.ref}, ${s.ciphertext}, ${s.passphraseHash}, ${s.revealRequiresPassphrase}, now() + make_interval(secs => ${s.ttlSeconds})
      from charged
      returning ref, created_at, expires_at
    ), receipted as (
      insert into receipt (id, secret_ref, created_at, expires_at)
      select ${s.receiptId}, ref, created_at, expires_at from stored
    ${notifyTarget(sql, s.notify ?? null)}
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, account_id, details)
      select 'created', ref, ${s.by.client_ip}, ${s.by.client_ip_hash}, ${s.by.user_agent}, ${s.by.request_id}, ${s.accountId}::uuid, ${sql.json(s.details as postgres.JSONValue)}
      from stored
    )
    select
      (select expires_at from stored) as expires_at,
      ceil(extract(epoch from window_end - now()))::int as retry_after
    from clock`
  if (row === undefined) throw new Error('the insert returned no row for a secret')
  if (row.expires_at === null) throw new StorageQuotaExceeded(Math.max(1, row.retry_after))
  return row.expires_at
}

/**
 * Adds `bytes` to the client's count for the window, returning a row only when the sum stays
 * within the quota. ON CONFLICT's WHERE sees the count as the last committed create left it (the
 * row is locked meanwhile), so concurrent creates queue on the row and cannot overshoot. Reads
 * the window from the statement's `clock` CTE, which every caller defines first.
 */
export function charge (sql: Sql, quota: StorageQuota, bytes: number): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    insert into storage_quota as q (client, window_end, bytes)
    select ${quota.client}, window_end, ${bytes}::bigint
    from clock
    where ${bytes}::bigint <= ${quota.bytesPerClient}::bigint
    on conflict (client, window_end) do update set
      bytes = q.bytes + excluded.bytes
    where q.bytes + excluded.bytes <= ${quota.bytesPerClient}::bigint
    returning window_end`
}

export interface Take {
  /** SHA-256 of the secret key (Token.id). */
  readonly id: Buffer
  readonly by: AuditedBy
  /**
   * Null takes only a secret without reveal_requires_passphrase; otherwise only the gated secret
   * whose passphrase hash is this one (just verified by the caller).
   */
  readonly gatedHash: string | null
}

/**
 * Takes a secret: deletes the row and returns its ciphertext, writing the audit row in the same
 * statement. Concurrent readers cannot both win: the row lock orders their statements and the
 * later one finds nothing. An expired row met here is removed and audited as expired, and its
 * ciphertext never leaves the database. Undefined when there was no live secret to take.
 */
export async function takeSecret (sql: Sql, t: Take): Promise<Buffer | undefined> {
  const [row] = await sql<Array<{ ciphertext: Buffer | null }>>`
    with taken as (
      delete from secret
      where id = ${t.id}
        and kind = 'text'
        and reveal_requires_passphrase = ${t.gatedHash !== null}
        and (${t.gatedHash}::text is null or passphrase_hash = ${t.gatedHash})
      returning ref, ciphertext, created_at, expires_at > now() as live
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select
        case when live then 'revealed' else 'expired' end,
        ref, ${t.by.client_ip}, ${t.by.client_ip_hash}, ${t.by.user_agent}, ${t.by.request_id},
        jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at)))
      from taken
    )
    select case when live then ciphertext end as ciphertext from taken`
  return row?.ciphertext ?? undefined
}

/**
 * Deletes a live secret unread, with its 'deleted' audit row, and a file's chunks with it. The
 * passphrase hash in the condition makes a verified passphrase count only for the row it was
 * checked against: a concurrent reveal in between makes this find nothing. True when a secret
 * was deleted.
 */
export async function deleteUnreadSecret (sql: Sql, id: Buffer, passphraseHash: string | null, by: AuditedBy): Promise<boolean> {
  const [row] = await sql<Array<{ ref: string }>>`
    with taken as (
      delete from secret
      where id = ${id}
        and expires_at > now()
        and passphrase_hash is not distinct from ${passphraseHash}
      returning id, ref, passphrase_hash is not null as had_passphrase, kind, size_bucket_bytes
    ), chunks as (
      delete from secret_chunk c
      using taken
      where c.secret_id = taken.id
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select 'deleted', ref, ${by.client_ip}, ${by.client_ip_hash}, ${by.user_agent}, ${by.request_id},
        jsonb_build_object('passphrase', had_passphrase) || ${fileDetails(sql)}
      from taken
    )
    select ref from taken`
  return row !== undefined
}

/**
 * Deletes a live secret unread for its creator, by ref, without its key. The ownership check is
 * part of the same statement: a ref whose 'created' row names another account deletes nothing.
 */
export async function deleteOwnedSecret (sql: Sql, ref: string, accountId: string, by: AuditedBy): Promise<boolean> {
  const [row] = await sql<Array<{ ref: string }>>`
    with owned as (
      select secret_ref
      from audit_log
      where secret_ref = ${ref}
        and event = 'created'
        and account_id = ${accountId}::uuid
    ), taken as (
      delete from secret
      where ref in (select secret_ref from owned)
        and expires_at > now()
      returning id, ref, passphrase_hash is not null as had_passphrase, kind, size_bucket_bytes
    ), chunks as (
      delete from secret_chunk c
      using taken
      where c.secret_id = taken.id
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, account_id, details)
      select 'deleted', ref, ${by.client_ip}, ${by.client_ip_hash}, ${by.user_agent}, ${by.request_id}, ${accountId}::uuid,
        jsonb_build_object('passphrase', had_passphrase, 'by_owner', true) || ${fileDetails(sql)}
      from taken
    )
    select ref from taken`
  return row !== undefined
}

export interface WaitingSecret {
  kind: 'text' | 'file'
  reveal_requires_passphrase: boolean
  expires_at: Date
}

/** A live secret's public facts, without touching it. */
export async function findWaitingSecret (sql: Sql, id: Buffer): Promise<WaitingSecret | undefined> {
  const [row] = await sql<WaitingSecret[]>`
    select kind, reveal_requires_passphrase, expires_at
    from secret
    where id = ${id}
      and expires_at > now()`
  return row
}

/**
 * The common table expression that stores a notify_url beside a new secret or request, in the
 * same statement; nothing at all without one, so a plain create costs what it did.
 */
export function notifyTarget (sql: Sql, notify: NewNotifyTarget | null): postgres.Fragment {
  if (notify === null) return sql``
  return sql`
    ), notified as (
      insert into notify_target (secret_ref, url, signing_key)
      select ref, ${notify.url}, ${notify.signingKey}
      from stored`
}

/** A file's audit details beside its other ones: the padded size, never the exact one. */
export function fileDetails (sql: Sql): postgres.Fragment {
  return sql`case when kind = 'file' then jsonb_build_object('kind', 'file', 'size_bucket_bytes', size_bucket_bytes) else '{}'::jsonb end`
}
