// The file statements of the secret store: a file's upload, its publication as a secret row, its
// one reveal and its chunks, each one statement. The row's life is store.ts's, as for text; the
// chunks move outside it (file-store.ts streams them).
import type postgres from 'postgres'
import type { Sql } from '../platform/database.ts'
import { StorageQuotaExceeded } from '../platform/errors.ts'
import { charge, fileDetails, notifyTarget, type NewSecret, type StorageQuota, type Take } from './store.ts'

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

/**
 * Ends a transfer, finished or broken off: its transfer row and whatever chunks are left go, unless
 * they are a published file's. (A request's text answer shares the id of a file answer that lost
 * the race to it: its row does not keep the chunks.)
 */
export async function endTransfer (sql: Sql, id: Buffer): Promise<void> {
  await sql`
    with ended as (
      delete from file_transfer
      where secret_id = ${id}
    )
    delete from secret_chunk
    where secret_id = ${id}
      and not exists (select from secret where id = ${id} and kind = 'file')`
}
