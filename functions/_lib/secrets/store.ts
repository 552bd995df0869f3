// The secret store: every statement that creates, reveals, deletes or looks at a secret, text or
// file. Each operation is one statement, so a secret never exists without its receipt and
// 'created' audit row, and never leaves without its 'revealed' or 'deleted' row (ADR 5). A file's
// chunks move in statements of their own (file-store.ts streams them), outside its row's life.
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

/** How long an upload or a download may take before the purge takes its chunks away. */
export const TRANSFER_SECONDS = 3600

/**
 * Opens an upload: until it is published, its chunks belong to no secret and nobody can read them.
 * With a quota, the same statement first charges the `storedBytes` the file will take to the
 * client's count for the window, as insertSecret does for text, and opens nothing
 * (StorageQuotaExceeded) when that would pass the quota. The charge is made before a byte of the
 * body is read and stays if the upload breaks off: a client cannot retry its way past the quota.
 */
export async function startUpload (sql: Sql, id: Buffer, quota: StorageQuota | null, storedBytes: number): Promise<void> {
  const [row] = await sql<Array<{ opened: boolean, retry_after: number }>>`
    with clock as (
      select to_timestamp((floor(extract(epoch from now()) / ${quota?.windowSeconds ?? 1}::int) + 1) * ${quota?.windowSeconds ?? 1}::int) as window_end
    ), charged as (
      ${quota === null ? sql`select window_end from clock` : charge(sql, quota, storedBytes)}
    ), opened as (
      insert into file_transfer (secret_id, direction, deadline)
      select ${id}, 'upload', now() + make_interval(secs => ${TRANSFER_SECONDS})
      from charged
      returning secret_id
    )
    select
      exists (select from opened) as opened,
      ceil(extract(epoch from window_end - now()))::int as retry_after
    from clock`
  if (row === undefined) throw new Error('opening an upload returned no row')
  if (!row.opened) throw new StorageQuotaExceeded(Math.max(1, row.retry_after))
}

export async function insertChunk (sql: Sql, id: Buffer, index: number, sealed: Buffer): Promise<void> {
  await sql`
    insert into secret_chunk (secret_id, chunk_index, ciphertext)
    values (${id}, ${index}, ${sealed})`
}

/** A file's secret row: its bytes were charged to the quota when its upload opened (startUpload). */
export interface NewFile extends Omit<NewSecret, 'ciphertext' | 'quota'> {
  readonly fileBytes: number
  readonly fileChunks: number
  readonly sizeBucketBytes: number
}

/**
 * Publishes an uploaded file once every chunk is stored: the upload's transfer row becomes the
 * secret row, with its receipt and 'created' audit row, in one statement. Undefined when the
 * upload is no longer open (its deadline passed and the purge took it).
 */
export async function publishFile (sql: Sql, f: NewFile): Promise<Date | undefined> {
  const [row] = await sql<Array<{ expires_at: Date }>>`
    with opened as (
      delete from file_transfer
      where secret_id = ${f.id}
        and direction = 'upload'
        and deadline > now()
      returning secret_id
    ), stored as (
      insert into secret (id, ref, kind, file_bytes, file_chunks, size_bucket_bytes, passphrase_hash, reveal_requires_passphrase, expires_at)
      select secret_id, ${f.ref}, 'file', ${f.fileBytes}, ${f.fileChunks}, ${f.sizeBucketBytes}, ${f.passphraseHash}, ${f.revealRequiresPassphrase}, now() + make_interval(secs => ${f.ttlSeconds})
      from opened
      returning ref, created_at, expires_at
    ), receipted as (
      insert into receipt (id, secret_ref, created_at, expires_at)
      select ${f.receiptId}, ref, created_at, expires_at from stored
    ${notifyTarget(sql, f.notify ?? null)}
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, account_id, details)
      select 'created', ref, ${f.by.client_ip}, ${f.by.client_ip_hash}, ${f.by.user_agent}, ${f.by.request_id}, ${f.accountId}::uuid, ${sql.json(f.details as postgres.JSONValue)}
      from stored
    )
    select expires_at from stored`
  return row?.expires_at
}

export interface TakenFile {
  file_bytes: number
  file_chunks: number
}

/**
 * Takes a file as takeSecret takes text: the row goes and its 'revealed' audit row comes in one
 * statement, so of concurrent readers one wins. A download transfer row takes its place, keeping
 * the chunks from the purge while they stream (takeChunk deletes each as it is read). An expired
 * file met here is audited as expired and its chunks are left to the purge.
 */
export async function takeFile (sql: Sql, t: Take): Promise<TakenFile | undefined> {
  const [row] = await sql<TakenFile[]>`
    with taken as (
      delete from secret
      where id = ${t.id}
        and kind = 'file'
        and reveal_requires_passphrase = ${t.gatedHash !== null}
        and (${t.gatedHash}::text is null or passphrase_hash = ${t.gatedHash})
      returning id, ref, kind, created_at, expires_at > now() as live, file_bytes, file_chunks, size_bucket_bytes
    ), leased as (
      insert into file_transfer (secret_id, direction, deadline)
      select id, 'download', now() + make_interval(secs => ${TRANSFER_SECONDS})
      from taken
      where live
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select
        case when live then 'revealed' else 'expired' end,
        ref, ${t.by.client_ip}, ${t.by.client_ip_hash}, ${t.by.user_agent}, ${t.by.request_id},
        jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at))) || ${fileDetails(sql)}
      from taken
    )
    select file_bytes::float8 as file_bytes, file_chunks
    from taken
    where live`
  return row
}

/** Reads and deletes one chunk of a file being downloaded; undefined when it is not there. */
export async function takeChunk (sql: Sql, id: Buffer, index: number): Promise<Buffer | undefined> {
  const [row] = await sql<Array<{ ciphertext: Buffer }>>`
    delete from secret_chunk
    where secret_id = ${id}
      and chunk_index = ${index}
    returning ciphertext`
  return row?.ciphertext
}

/** Ends a transfer, finished or broken off: its transfer row and whatever chunks are left go. */
export async function endTransfer (sql: Sql, id: Buffer): Promise<void> {
  await sql`
    with ended as (
      delete from file_transfer
      where secret_id = ${id}
    )
    delete from secret_chunk
    where secret_id = ${id}
      and not exists (select from secret where id = ${id})`
}
