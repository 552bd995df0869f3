// GET /account/secrets and DELETE /account/secrets/:ref — a signed-in creator's own secrets, files
// and requests, from the audit log, and deleting a secret or file still unread without its key.
// A request is listed but not deleted here: its answer belongs to whoever answered it until the
// requester reveals it, and the request lapses on its own.
import { Type } from '@sinclair/typebox'
import { sessionOf } from './_lib/accounts/creator.ts'
import { AuthRequired, SecretNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import { deleteOwnedSecret } from './_lib/secrets/store.ts'

const HISTORY_LIMIT = 200

const Created = Type.Object({
  ref: Type.String({ description: 'The audit log\'s name for the secret (not its key)' }),
  kind: Type.Union([Type.Literal('text'), Type.Literal('file'), Type.Literal('request')]),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Literal('waiting'), Type.Literal('open'), Type.Literal('answered'), Type.Literal('revealed'), Type.Literal('deleted'), Type.Literal('expired')], {
    description: 'A secret or file: waiting, revealed, deleted or expired. A request: open (unanswered), answered (its answer not yet revealed), revealed or expired'
  }),
  ended_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it was revealed, deleted or expired' }),
  answered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'A request: when it was answered' })
}, { additionalProperties: false })
const History = Type.Object({ secrets: Type.Array(Created) }, { additionalProperties: false })
const RefParams = Type.Object({ ref: Type.String({ pattern: '^[0-9a-f]{24}$' }) }, { additionalProperties: false })

type Kind = 'text' | 'file' | 'request'
type Status = 'waiting' | 'open' | 'answered' | 'revealed' | 'deleted' | 'expired'
interface Row { ref: string, kind: Kind, created_at: Date, expires_at: Date, answered_at: Date | null, ended_by: string | null, ended_at: Date | null }

/** What became of it; a lapse the purge has not reached yet is a lapse all the same. */
function statusOf (row: Row, now: number): Status {
  const lapsed = row.expires_at.getTime() <= now
  if (row.kind !== 'request') return (row.ended_by ?? (lapsed ? 'expired' : 'waiting')) as Status
  // A request's answer is revealed, or it is not; deleted or lapsed, the requester lost it.
  if (row.ended_by === 'revealed') return 'revealed'
  if (row.ended_by !== null || lapsed) return 'expired'
  return row.answered_at === null ? 'open' : 'answered'
}

const accountHistory: HttpFunction = {
  name: 'account-history',
  needsDatabase: true,
  plugin: async (app, { config, who }) => {
    const signedIn = async (request: Parameters<typeof sessionOf>[0]) => {
      const session = await sessionOf(request, config.accounts)
      if (session === undefined) throw new AuthRequired()
      return session
    }

    app.get('/account/secrets', { schema: { tags: ['account'], summary: 'The secrets, files and requests I created, newest first', response: { 200: History, ...commonErrors(401) } } }, async (request) => {
      const session = await signedIn(request)
      // Only rows that name this account: nobody sees anyone else's.
      // A request's answer is a secret under the request's ref: its reveal, deletion or expiry is
      // on that ref too, and it lives ttl_seconds from the answer rather than from the request.
      const rows = await app.sql<Row[]>`
        select
          c.secret_ref as ref,
          case when c.event = 'request_created' then 'request' else coalesce(c.details->>'kind', 'text') end as kind,
          c.occurred_at as created_at,
          coalesce(a.occurred_at, c.occurred_at) + make_interval(secs => (c.details->>'ttl_seconds')::int) as expires_at,
          a.occurred_at as answered_at,
          e.event as ended_by,
          e.occurred_at as ended_at
        from audit_log c
        left join lateral (
          select occurred_at
          from audit_log a
          where c.event = 'request_created'
            and a.secret_ref = c.secret_ref
            and a.event = 'request_answered'
          order by a.id
          limit 1
        ) a on true
        left join lateral (
          select event, occurred_at
          from audit_log e
          where e.secret_ref = c.secret_ref
            and e.event in ('revealed', 'deleted', 'expired', 'request_expired')
          order by e.id
          limit 1
        ) e on true
        where c.account_id = ${session.account_id}::uuid
          and c.event in ('created', 'request_created')
        order by c.occurred_at desc
        limit ${HISTORY_LIMIT}`
      const now = Date.now()
      return {
        secrets: rows.map((row) => {
          const status = statusOf(row, now)
          const ended = status === 'revealed' || status === 'deleted' || status === 'expired'
          return {
            ref: row.ref,
            kind: row.kind,
            created_at: row.created_at.toISOString(),
            expires_at: row.expires_at.toISOString(),
            status,
            ended_at: ended ? (row.ended_at ?? row.expires_at).toISOString() : null,
            answered_at: row.answered_at?.toISOString() ?? null
          }
        })
      }
    })

    app.delete('/account/secrets/:ref', { schema: { tags: ['account'], summary: 'Delete one of my secrets or files that is still unread (not a request)', params: RefParams, response: { 204: Type.Null(), ...commonErrors(401, 403, 404) } } }, async (request, reply) => {
      const session = await signedIn(request)
      if (!await deleteOwnedSecret(app.sql, request.params.ref, session.account_id, who(request))) throw new SecretNotFound()
      reply.code(204)
      return null
    })
  }
}

export default accountHistory
