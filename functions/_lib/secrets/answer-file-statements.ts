// A request answered with a file: the upload opens only while the request is open and no other
// answer is uploading, and its publication answers the request and stores the file as the answer's
// secret row in one statement. The chunks stream in between (file-store.ts), as for any file.
import type { Sql } from '../platform/database.ts'
import { RequestAnswerInProgress, StorageQuotaExceeded } from '../platform/errors.ts'
import { TRANSFER_SECONDS } from './file-statements.ts'
import { charge, type AuditedBy, type StorageQuota } from './store.ts'

export interface AnswerUpload {
  /** SHA-256 of the request key. */
  readonly requestId: Buffer
  /** The answer's secret id (request-store.ts, answerToken): its chunks are stored under it. */
  readonly answerId: Buffer
  readonly quota: StorageQuota | null
  /** What the file takes stored (file-store.ts, storedBytes): what the quota is charged. */
  readonly storedBytes: number
}

/**
 * Opens the upload of a file answer, charging the answerer's quota as startUpload does for a file.
 * False when the request is not open (answered, lapsed or unknown: the caller asks which). Two
 * uploads to one request cannot run at once, their chunks would share an id: the second is refused
 * (RequestAnswerInProgress) before it is charged; should both pass that check together, the
 * transfer row's primary key stops the second, whose charge then stays, as a broken-off upload's.
 */
export async function startAnswerUpload (sql: Sql, u: AnswerUpload): Promise<boolean> {
  const [row] = await sql<Array<{ open: boolean, busy: boolean, charged: boolean, opened: boolean, retry_after: number | null }>>`
    with state as (
      select
        exists (select from secret_request where id = ${u.requestId} and answered_at is null and expires_at > now()) as open,
        exists (select from file_transfer where secret_id = ${u.answerId}) as busy
    ), clock as (
      select to_timestamp((floor(extract(epoch from now()) / ${u.quota?.windowSeconds ?? 1}::int) + 1) * ${u.quota?.windowSeconds ?? 1}::int) as window_end
      from state
      where open and not busy
    ), charged as (
      ${u.quota === null ? sql`select window_end from clock` : charge(sql, u.quota, u.storedBytes)}
    ), opened as (
      insert into file_transfer (secret_id, direction, deadline)
      select ${u.answerId}, 'upload', now() + make_interval(secs => ${TRANSFER_SECONDS})
      from charged
      on conflict (secret_id) do nothing
      returning secret_id
    )
    select
      open, busy,
      exists (select from charged) as charged,
      exists (select from opened) as opened,
      (select ceil(extract(epoch from window_end - now()))::int from clock) as retry_after
    from state`
  if (row === undefined) throw new Error('opening an answer upload returned no row')
  if (!row.open) return false
  if (row.busy || (row.charged && !row.opened)) throw new RequestAnswerInProgress()
  if (!row.charged) throw new StorageQuotaExceeded(Math.max(1, row.retry_after ?? 1))
  return true
}

export interface AnswerFile {
  readonly requestId: Buffer
  readonly answerId: Buffer
  readonly fileBytes: number
  readonly fileChunks: number
  readonly sizeBucketBytes: number
  readonly by: AuditedBy
}

/**
 * Answers the request with the uploaded file: the upload's transfer row goes, the request is marked
 * answered, the file becomes the answer's secret row, and the 'request_answered' audit row is
 * written, in one statement, as answerRequest does for text. The answer then lives the request's
 * lifetime from now. Undefined when the upload's deadline passed, or the request was answered
 * (a text answer won meanwhile) or lapsed: nothing is answered then, and the caller ends the transfer.
 */
export async function publishAnswerFile (sql: Sql, f: AnswerFile): Promise<Date | undefined> {
  const [row] = await sql<Array<{ expires_at: Date }>>`
    with opened as (
      delete from file_transfer
      where secret_id = ${f.answerId}
        and direction = 'upload'
        and deadline > now()
      returning secret_id
    ), answered as (
      update secret_request
      set answered_at = now(),
          answer_kind = 'file',
          expires_at = now() + make_interval(secs => ttl_seconds)
      where id = ${f.requestId}
        and answered_at is null
        and expires_at > now()
        and exists (select from opened)
      returning inbox_id, ref, expires_at
    ), stored as (
      insert into secret (id, ref, kind, file_bytes, file_chunks, size_bucket_bytes, expires_at)
      select inbox_id, ref, 'file', ${f.fileBytes}, ${f.fileChunks}, ${f.sizeBucketBytes}, expires_at
      from answered
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select 'request_answered', ref, ${f.by.client_ip}, ${f.by.client_ip_hash}, ${f.by.user_agent}, ${f.by.request_id},
        jsonb_build_object('kind', 'file', 'size_bucket_bytes', ${f.sizeBucketBytes}::bigint)
      from answered
    )
    select expires_at from answered`
  return row?.expires_at
}
