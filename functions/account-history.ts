// GET /account/secrets and DELETE /account/secrets/:ref — a signed-in creator's own secrets and
// files, from the audit log, and deleting one still unread without its key.
import { Type } from '@sinclair/typebox'
import { sessionOf } from './_lib/accounts/creator.ts'
import { AuthRequired, SecretNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import { deleteOwnedSecret } from './_lib/secrets/store.ts'

const HISTORY_LIMIT = 200

const Created = Type.Object({
  ref: Type.String({ description: 'The audit log\'s name for the secret (not its key)' }),
  kind: Type.Union([Type.Literal('text'), Type.Literal('file')]),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Literal('waiting'), Type.Literal('revealed'), Type.Literal('deleted'), Type.Literal('expired')]),
  ended_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it was revealed, deleted or expired' })
}, { additionalProperties: false })
const History = Type.Object({ secrets: Type.Array(Created) }, { additionalProperties: false })
const RefParams = Type.Object({ ref: Type.String({ pattern: '^[0-9a-f]{24}$' }) }, { additionalProperties: false })

interface Row { ref: string, kind: 'text' | 'file', created_at: Date, expires_at: Date, ended_by: string | null, ended_at: Date | null }

const accountHistory: HttpFunction = {
  name: 'account-history',
  needsDatabase: true,
  plugin: async (app, { config, who }) => {
    const signedIn = async (request: Parameters<typeof sessionOf>[0]) => {
      const session = await sessionOf(request, config.accounts)
      if (session === undefined) throw new AuthRequired()
      return session
    }

    app.get('/account/secrets', { schema: { tags: ['account'], summary: 'The secrets and files I created, newest first', response: { 200: History, ...commonErrors(401) } } }, async (request) => {
      const session = await signedIn(request)
      // Only rows that name this account: nobody sees anyone else's.
      const rows = await app.sql<Row[]>`
        select
          c.secret_ref as ref,
          coalesce(c.details->>'kind', 'text') as kind,
          c.occurred_at as created_at,
          c.occurred_at + make_interval(secs => (c.details->>'ttl_seconds')::int) as expires_at,
          e.event as ended_by,
          e.occurred_at as ended_at
        from audit_log c
        left join lateral (
          select event, occurred_at
          from audit_log e
          where e.secret_ref = c.secret_ref
            and e.event in ('revealed', 'deleted', 'expired')
          order by e.id
          limit 1
        ) e on true
        where c.account_id = ${session.account_id}::uuid
          and c.event = 'created'
        order by c.occurred_at desc
        limit ${HISTORY_LIMIT}`
      const now = Date.now()
      return {
        secrets: rows.map((row) => ({
          ref: row.ref,
          kind: row.kind,
          created_at: row.created_at.toISOString(),
          expires_at: row.expires_at.toISOString(),
          // An expired secret the purge has not reached yet is expired all the same.
          status: (row.ended_by ?? (row.expires_at.getTime() <= now ? 'expired' : 'waiting')) as 'waiting' | 'revealed' | 'deleted' | 'expired',
          ended_at: row.ended_at?.toISOString() ?? (row.expires_at.getTime() <= now ? row.expires_at.toISOString() : null)
        }))
      }
    })

    app.delete('/account/secrets/:ref', { schema: { tags: ['account'], summary: 'Delete one of my secrets that is still unread', params: RefParams, response: { 204: Type.Null(), ...commonErrors(401, 403, 404) } } }, async (request, reply) => {
      const session = await signedIn(request)
      if (!await deleteOwnedSecret(app.sql, request.params.ref, session.account_id, who(request))) throw new SecretNotFound()
      reply.code(204)
      return null
    })
  }
}

export default accountHistory
