// Stores new secrets: the creates of one event-loop turn go to PostgreSQL as one statement
// (turn-batch.ts, ADR 12). Each secret still commits with its receipt and 'created' audit row.
import type postgres from 'postgres'
import type { Sql } from './db.ts'
import { turnBatch, type BatchLimits } from './turn-batch.ts'

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
  readonly clientIp: string | null
  readonly clientIpHash: string | null
  readonly userAgent: string | null
  readonly requestId: string
  /** The 'created' audit row's details. */
  readonly details: Readonly<Record<string, unknown>>
}

/** Stores one secret; resolves to its expiry once it has committed. */
export type SecretWriter = (secret: NewSecret) => Promise<Date>

// 64 secrets of 1 KiB are ~150 KB of parameters; secrets may be up to 16 MiB (SECRET_MAX_BYTES),
// so ciphertext bytes are bounded too, and a secret larger than that goes in a statement alone.
export const CREATE_LIMITS: BatchLimits = { items: 64, bytes: 256 * 1024 }

export function secretWriter (sql: Sql, limits: BatchLimits = CREATE_LIMITS): SecretWriter {
  const store = turnBatch<NewSecret, Date>({
    // Even a lone create goes as the set-based statement; see insertSecret for why.
    run: async (batch) => await insertSecrets(sql, batch),
    key: (secret) => secret.id.toString('hex'),
    size: (secret) => secret.ciphertext.length,
    limits
  })
  return async (secret) => {
    const expiresAt = await store(secret)
    if (expiresAt === undefined) throw new Error('the insert returned no row for a secret')
    return expiresAt
  }
}

// The one-row statement that every create sent before ADR 12, kept as the bench's
// one-statement-per-operation ceiling. The server does not send it: the set-based statement
// costs PostgreSQL more for a single row (233–273 µs of CPU per create one at a time, against
// 173–185), but lone creates sent this way had a p99 of 13–19 ms at 1,000 creates/s where the
// set-based statement had 5–7 ms (ADR 12; the cause is not known).
export async function insertSecret (sql: Sql, s: NewSecret): Promise<Map<string, Date>> {
  const [row] = await sql<Array<{ expires_at: Date }>>`
    with stored as (
      insert into secret (id, ref, ciphertext, passphrase_hash, reveal_requires_passphrase, expires_at)
      values (${s.id}, ${s.ref}, ${s.ciphertext}, ${s.passphraseHash}, ${s.revealRequiresPassphrase}, now() + make_interval(secs => ${s.ttlSeconds}))
      returning ref, created_at, expires_at
    ), receipted as (
      insert into receipt (id, secret_ref, created_at, expires_at)
      select ${s.receiptId}, ref, created_at, expires_at from stored
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select 'created', ref, ${s.clientIp}, ${s.clientIpHash}, ${s.userAgent}, ${s.requestId}, ${sql.json(s.details as postgres.JSONValue)}
      from stored
    )
    select expires_at from stored`
  return new Map(row === undefined ? [] : [[s.id.toString('hex'), row.expires_at]])
}

// One or more creates: the rows travel as parallel text arrays, one per column, so that every
// batch size is the same statement, prepared once. The ciphertext goes as base64, not hex (how
// postgres.js sends a bytea parameter): its text is copied three times on the way out (the
// string, the array literal, the message), and hex doubled each copy (docs/benchmarks.md, "After
// run 9: less garbage per request"). The casts are in SQL: postgres.js serializes neither boolean
// nor Buffer arrays.
async function insertSecrets (sql: Sql, batch: readonly NewSecret[]): Promise<Map<string, Date>> {
  const rows = await sql<Array<{ id: Buffer, expires_at: Date }>>`
    with input as (
      select decode(id, 'hex') as id, ref, decode(ciphertext, 'base64') as ciphertext, passphrase_hash,
             gated::boolean as gated, ttl::integer as ttl, decode(receipt_id, 'hex') as receipt_id,
             client_ip::inet as client_ip, client_ip_hash, user_agent, request_id, details::jsonb as details
      from unnest(
        ${batch.map((s) => s.id.toString('hex'))}::text[], ${batch.map((s) => s.ref)}::text[],
        ${batch.map((s) => s.ciphertext.toString('base64'))}::text[], ${batch.map((s) => s.passphraseHash)}::text[],
        ${batch.map((s) => String(s.revealRequiresPassphrase))}::text[], ${batch.map((s) => String(s.ttlSeconds))}::text[],
        ${batch.map((s) => s.receiptId.toString('hex'))}::text[], ${batch.map((s) => s.clientIp)}::text[],
        ${batch.map((s) => s.clientIpHash)}::text[], ${batch.map((s) => s.userAgent)}::text[],
        ${batch.map((s) => s.requestId)}::text[], ${batch.map((s) => JSON.stringify(s.details))}::text[]
      ) as t(id, ref, ciphertext, passphrase_hash, gated, ttl, receipt_id, client_ip, client_ip_hash, user_agent, request_id, details)
    ), stored as (
      insert into secret (id, ref, ciphertext, passphrase_hash, reveal_requires_passphrase, expires_at)
      select id, ref, ciphertext, passphrase_hash, gated, now() + make_interval(secs => ttl) from input
      returning id, ref, created_at, expires_at
    ), receipted as (
      insert into receipt (id, secret_ref, created_at, expires_at)
      select input.receipt_id, stored.ref, stored.created_at, stored.expires_at
      from stored join input using (id)
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select 'created', stored.ref, input.client_ip, input.client_ip_hash, input.user_agent, input.request_id, input.details
      from stored join input using (id)
    )
    select id, expires_at from stored`
  return new Map(rows.map((row) => [row.id.toString('hex'), row.expires_at]))
}
