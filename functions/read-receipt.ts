// GET /receipt/:receipt_key — the creator's view of a secret: waiting, revealed, deleted or expired.
import { Type } from '@sinclair/typebox'
import { ReceiptNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import { parseToken } from './_lib/secrets/token.ts'

const route = { method: 'GET', url: '/receipt/:receipt_key' } as const

const ReceiptParams = Type.Object({
  receipt_key: Type.String({ description: 'The receipt_key returned by POST /secret (not the secret_key)' })
}, { additionalProperties: false })
const Timestamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
const Notification = Type.Object({
  event: Type.String({ description: 'The audit event delivered: revealed, deleted, expired' }),
  state: Type.Union(['pending', 'queued', 'delivered', 'failed'].map((s) => Type.Literal(s)), { description: 'pending/queued: not delivered yet (retries included); delivered; failed: every retry failed' }),
  attempts: Type.Integer(),
  last_status: Type.Union([Type.Integer(), Type.Null()], { description: 'The receiver\'s last HTTP status; null if it never answered' }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  delivered_at: Timestamp
}, { additionalProperties: false })
const ReceiptReply = Type.Object({
  status: Type.Union(['waiting', 'revealed', 'deleted', 'expired'].map((s) => Type.Literal(s)), { description: 'What became of the secret' }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time', description: 'When it expires (or expired) unread' }),
  revealed_at: Timestamp,
  revealed_by_ip: Type.Union([Type.String(), Type.Null()], { description: 'As recorded under AUDIT_IP_MODE: full, truncated, or null when hashed' }),
  deleted_at: Timestamp,
  expired_at: Timestamp,
  notifications: Type.Array(Notification, { description: 'Deliveries to the notify_url given at creation, oldest first; empty without one' })
}, { additionalProperties: false, examples: [{ status: 'revealed', created_at: '2026-11-25T09:00:00.000Z', expires_at: '2026-11-26T09:00:00.000Z', revealed_at: '2026-11-25T09:12:44.000Z', revealed_by_ip: '203.0.113.9', deleted_at: null, expired_at: null, notifications: [{ event: 'revealed', state: 'delivered', attempts: 1, last_status: 204, last_error: null, delivered_at: '2026-11-25T09:12:45.000Z' }] }] })

interface ReceiptRow { created_at: Date, expires_at: Date, event: string | null, occurred_at: Date | null, client_ip: string | null }

const readReceipt: HttpFunction = {
  name: 'read-receipt',
  needsDatabase: true,
  plugin: async (app, { config }) => {
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['secret'],
        summary: 'Read receipt: what became of a secret',
        description: 'Reveals nothing and consumes nothing. Works for as long as the audit log keeps the secret\'s events (AUDIT_RETENTION_DAYS), not only until its TTL.',
        params: ReceiptParams,
        response: { 200: ReceiptReply, ...commonErrors(404, 429, 503) }
      },
      async handler (request) {
        const receipt = parseToken(request.params.receipt_key)
        if (receipt === undefined) throw new ReceiptNotFound()
        // The secret's first terminal event, if any, from the audit log: the single source of truth.
        const [row] = await app.sql<ReceiptRow[]>`
          select r.created_at, r.expires_at, e.event, e.occurred_at, host(e.client_ip) as client_ip
          from receipt r
          left join lateral (
            select a.event, a.occurred_at, a.client_ip
            from audit_log a
            where a.secret_ref = r.secret_ref
              and a.event in ('revealed', 'deleted', 'expired')
            order by a.occurred_at
            limit 1
          ) e on true
          where r.id = ${receipt.id}`
        if (row === undefined) throw new ReceiptNotFound()
        const notifications = await app.sql<Array<{ event: string, state: 'pending' | 'queued' | 'delivered' | 'failed', attempts: number, last_status: number | null, last_error: string | null, delivered_at: Date | null }>>`
          select d.event, d.state, d.attempts, d.last_status, d.last_error, d.delivered_at
          from receipt r
          join webhook_delivery d on d.secret_ref = r.secret_ref and d.target = 'notify_url'
          where r.id = ${receipt.id}
          order by d.created_at`
        const at = (event: string): string | null => row.event === event && row.occurred_at !== null ? row.occurred_at.toISOString() : null
        // Expired but not yet purged (nobody met it, the job has not run): expired all the same.
        const status = row.event ?? (row.expires_at.getTime() <= Date.now() ? 'expired' : 'waiting')
        return {
          status: status as 'waiting' | 'revealed' | 'deleted' | 'expired',
          created_at: row.created_at.toISOString(),
          expires_at: row.expires_at.toISOString(),
          revealed_at: at('revealed'),
          revealed_by_ip: row.event === 'revealed' ? row.client_ip : null,
          deleted_at: at('deleted'),
          expired_at: at('expired') ?? (status === 'expired' ? row.expires_at.toISOString() : null),
          notifications: notifications.map((n) => ({ ...n, delivered_at: n.delivered_at?.toISOString() ?? null }))
        }
      }
    })
  }
}

export default readReceipt
