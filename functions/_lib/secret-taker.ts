// Takes secrets: deletes the row and returns its ciphertext, with the audit row, in one
// statement per event-loop turn for all the reveals of that turn (turn-batch.ts, ADR 12).
import type { AuditContext } from './audit.ts'
import type { Sql } from './db.ts'
import { turnBatch, type BatchLimits } from './turn-batch.ts'

export interface Take {
  /** SHA-256 of the secret key (Token.id). */
  readonly id: Buffer
  readonly by: Pick<AuditContext, 'client_ip' | 'client_ip_hash' | 'user_agent' | 'request_id'>
  /**
   * Null takes only a secret without reveal_requires_passphrase; otherwise only the gated secret
   * whose passphrase hash is this one (just verified by the caller).
   */
  readonly gatedHash: string | null
}

/** The ciphertext of a live secret that was taken; undefined if there was none (or it expired). */
export type SecretTaker = (take: Take) => Promise<Buffer | undefined>

export const TAKE_LIMITS: BatchLimits = { items: 64, bytes: Number.POSITIVE_INFINITY }

export function secretTaker (sql: Sql, limits: BatchLimits = TAKE_LIMITS): SecretTaker {
  const take = turnBatch<Take, Buffer | null>({
    run: async (batch) => batch.length === 1 ? await takeSecret(sql, batch[0] as Take) : await takeSecrets(sql, batch),
    // Two takes of one secret in a statement would both get its ciphertext: the batch keeps them apart.
    key: (t) => t.id.toString('hex'),
    limits
  })
  return async (t) => (await take(t)) ?? undefined
}

/**
 * A turn with one reveal (any low rate) sends the one-row statement. Through the set-based one
 * below, reveals one at a time cost PostgreSQL 316–328 µs of CPU each against 160–162: it plans
 * that statement afresh per execution (forcing generic plans brought it to 190–194).
 */
export async function takeSecret (sql: Sql, t: Take): Promise<Map<string, Buffer | null>> {
  const [row] = await sql<Array<{ ciphertext: Buffer | null }>>`
    with taken as (
      delete from secret
      where id = ${t.id}
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
  return new Map(row === undefined ? [] : [[t.id.toString('hex'), row.ciphertext]])
}

/**
 * Several reveals. Atomic consume + audit, as for one: concurrent readers cannot both win (the
 * row lock orders their statements, and the later finds nothing), and an expired row met here is
 * removed, audited as expired, without its ciphertext leaving the database.
 */
async function takeSecrets (sql: Sql, batch: readonly Take[]): Promise<Map<string, Buffer | null>> {
  const rows = await sql<Array<{ id: Buffer, ciphertext: Buffer | null }>>`
    with input as (
      select decode(id, 'hex') as id, gated_hash, client_ip::inet as client_ip, client_ip_hash, user_agent, request_id
      from unnest(
        ${batch.map((t) => t.id.toString('hex'))}::text[], ${batch.map((t) => t.gatedHash)}::text[],
        ${batch.map((t) => t.by.client_ip)}::text[], ${batch.map((t) => t.by.client_ip_hash)}::text[],
        ${batch.map((t) => t.by.user_agent)}::text[], ${batch.map((t) => t.by.request_id)}::text[]
      ) as t(id, gated_hash, client_ip, client_ip_hash, user_agent, request_id)
    ), taken as (
      delete from secret
      using input
      where secret.id = input.id
        and secret.reveal_requires_passphrase = (input.gated_hash is not null)
        and (input.gated_hash is null or secret.passphrase_hash = input.gated_hash)
      returning secret.id, secret.ref, secret.ciphertext, secret.created_at, secret.expires_at > now() as live,
                input.client_ip, input.client_ip_hash, input.user_agent, input.request_id
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select
        case when live then 'revealed' else 'expired' end,
        ref, client_ip, client_ip_hash, user_agent, request_id,
        jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at)))
      from taken
    )
    select id, case when live then ciphertext end as ciphertext from taken`
  return new Map(rows.map((row) => [row.id.toString('hex'), row.ciphertext]))
}
