// Requests for a secret: their keys and every statement that creates, shows or answers one. The
// answer is an ordinary secret row (store.ts takes it), so expiry, purge and audit apply to it.
import { createHmac, hash } from 'node:crypto'
import type { Sql } from '../platform/database.ts'
import { StorageQuotaExceeded } from '../platform/errors.ts'
import { charge, notifyTarget, type AuditedBy, type StorageQuota } from './store.ts'
import type { Token } from './token.ts'
import type { NewNotifyTarget } from '../webhooks/subscribe.ts'

const ANSWER_ID_PREFIX = Buffer.from('burnlink.request-answer-id.v1')

/**
 * The answer's own token, computed from the inbox key alone. Its id is not SHA-256 of the inbox
 * key, so GET /secret/{inbox_key} finds nothing (it cannot consume the answer and fail to open it);
 * its bytes key the server's layer over the answer. The request key yields neither: the server
 * keeps these bytes only sealed under the request key, to seal the answer with when it comes.
 */
export function answerToken (inbox: Token): Token {
  const id = hash('sha256', Buffer.concat([ANSWER_ID_PREFIX, inbox.bytes]), 'buffer')
  const bytes = createHmac('sha256', inbox.bytes).update('burnlink.request-answer-key.v1').digest()
  return { key: '', bytes, id, ref: inbox.ref }
}

export interface NewRequest {
  readonly id: Buffer
  readonly inboxId: Buffer
  readonly ref: string
  readonly note: Buffer | null
  readonly answerKey: Buffer
  readonly ttlSeconds: number
  readonly by: AuditedBy
  /** account.id of a signed-in creator, null for an anonymous create or an operator's token. */
  readonly accountId: string | null
  /** The creator's part of the audit details (creator.ts: api_token_id, account_email). */
  readonly details: Readonly<Record<string, string>>
  readonly notify: NewNotifyTarget | null
}

/** Stores a request with its 'request_created' audit row; returns when it lapses unanswered. */
export async function insertRequest (sql: Sql, r: NewRequest): Promise<Date> {
  const [row] = await sql<Array<{ expires_at: Date }>>`
    with stored as (
      insert into secret_request (id, inbox_id, ref, note, answer_key, ttl_seconds, expires_at)
      values (${r.id}, ${r.inboxId}, ${r.ref}, ${r.note}, ${r.answerKey}, ${r.ttlSeconds}, now() + make_interval(secs => ${r.ttlSeconds}))
      returning ref, expires_at
    ${notifyTarget(sql, r.notify ?? null)}
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, account_id, details)
      select 'request_created', ref, ${r.by.client_ip}, ${r.by.client_ip_hash}, ${r.by.user_agent}, ${r.by.request_id}, ${r.accountId}::uuid,
        jsonb_build_object('ttl_seconds', ${r.ttlSeconds}::int, 'note', ${r.note !== null}::boolean) || ${sql.json(r.details)}::jsonb
      from stored
    )
    select expires_at from stored`
  if (row === undefined) throw new Error('the insert returned no row for a request')
  return row.expires_at
}

export interface RequestRow {
  inbox_id: Buffer
  note: Buffer | null
  answer_key: Buffer
  expires_at: Date
  answered_at: Date | null
  live: boolean
}

/** A request as its holder sees it, by the hash of the request key. Consumes nothing. */
export async function findRequest (sql: Sql, id: Buffer): Promise<RequestRow | undefined> {
  const [row] = await sql<RequestRow[]>`
    select inbox_id, note, answer_key, expires_at, answered_at, expires_at > now() as live
    from secret_request
    where id = ${id}`
  return row
}

export interface Answer {
  readonly id: Buffer
  /** The answer under the server's layer, sealed for the answer token. */
  readonly ciphertext: Buffer
  readonly sizeBucketBytes: number
  readonly by: AuditedBy
  /** The answerer's storage quota, charged like any create; null = unlimited. */
  readonly quota: StorageQuota | null
}

/**
 * Answers a request once: marks it answered and stores the answer as a secret, with the
 * 'request_answered' audit row, in one statement. The row lock orders concurrent answers and
 * the later one finds the request answered. The answer then lives the request's lifetime from
 * now, and the request row as long, so that its links can still say what became of it. Like
 * any create, the answer's bytes are first charged to the answerer's storage quota, only while
 * the request is open; over the quota nothing is stored (StorageQuotaExceeded). An answer that
 * loses the race to a concurrent one keeps its charge, as a broken-off upload does.
 * Undefined when the request was not open.
 */
export async function answerRequest (sql: Sql, a: Answer): Promise<Date | undefined> {
  const [row] = await sql<Array<{ expires_at: Date | null, charged: boolean, retry_after: number }>>`
    with clock as (
      select to_timestamp((floor(extract(epoch from now()) / ${a.quota?.windowSeconds ?? 1}::int) + 1) * ${a.quota?.windowSeconds ?? 1}::int) as window_end
      where exists (select from secret_request where id = ${a.id} and answered_at is null and expires_at > now())
    ), charged as (
      ${a.quota === null ? sql`select window_end from clock` : charge(sql, a.quota, a.ciphertext.length)}
    ), answered as (
      update secret_request
      set answered_at = now(),
          answer_kind = 'text',
          expires_at = now() + make_interval(secs => ttl_seconds)
      where id = ${a.id}
        and answered_at is null
        and expires_at > now()
        and exists (select from charged)
      returning inbox_id, ref, expires_at
    ), stored as (
      insert into secret (id, ref, ciphertext, expires_at)
      select inbox_id, ref, ${a.ciphertext}, expires_at from answered
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select 'request_answered', ref, ${a.by.client_ip}, ${a.by.client_ip_hash}, ${a.by.user_agent}, ${a.by.request_id},
        jsonb_build_object('size_bucket_bytes', ${a.sizeBucketBytes}::int)
      from answered
    )
    select
      (select expires_at from answered) as expires_at,
      exists (select from charged) as charged,
      ceil(extract(epoch from window_end - now()))::int as retry_after
    from clock`
  if (row === undefined) return undefined
  if (!row.charged) throw new StorageQuotaExceeded(Math.max(1, row.retry_after))
  return row.expires_at ?? undefined
}

export type InboxStatus = 'open' | 'answered' | 'revealed' | 'expired'

export interface InboxRow {
  status: InboxStatus
  expires_at: Date
  answered_at: Date | null
  answer_kind: 'text' | 'file' | null
}

/**
 * The requester's view through the inbox key: still open, answered and waiting, revealed, or
 * lapsed (unanswered, or its answer expired or deleted unread). Consumes nothing.
 */
export async function findInbox (sql: Sql, answerId: Buffer): Promise<InboxRow | undefined> {
  const [row] = await sql<InboxRow[]>`
    select
      case
        when r.answered_at is null then case when r.expires_at > now() then 'open' else 'expired' end
        when exists (select from secret s where s.id = r.inbox_id and s.expires_at > now()) then 'answered'
        when exists (select from audit_log a where a.secret_ref = r.ref and a.event = 'revealed') then 'revealed'
        else 'expired'
      end as status,
      r.expires_at, r.answered_at, r.answer_kind
    from secret_request r
    where r.inbox_id = ${answerId}`
  return row
}

/** The purge's part for requests: lapsed rows go, an unanswered one with a 'request_expired' row. */
export async function purgeRequests (sql: Sql): Promise<number> {
  const [row] = await sql<Array<{ count: number }>>`
    with gone as (
      delete from secret_request
      where expires_at <= now()
      returning ref, answered_at, created_at, expires_at
    ), logged as (
      insert into audit_log (event, secret_ref, details)
      select 'request_expired', ref, jsonb_build_object('expired_at', expires_at, 'lifetime_seconds', round(extract(epoch from expires_at - created_at)))
      from gone
      where answered_at is null
    )
    select count(*)::int as count from gone`
  return row?.count ?? 0
}
