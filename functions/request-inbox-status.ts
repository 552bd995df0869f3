// GET /request/inbox/:inbox_key/status — the requester's inbox: was the request answered? Consumes nothing.
import { Type } from '@sinclair/typebox'
import { InboxNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { answerToken, findInbox } from './_lib/secrets/request-store.ts'
import { commonErrors, InboxParams } from './_lib/platform/schemas.ts'
import { parseToken } from './_lib/secrets/token.ts'

const InboxStatusReply = Type.Object({
  status: Type.Union(['open', 'answered', 'revealed', 'expired'].map((s) => Type.Literal(s)), { description: 'open: not answered yet; answered: an answer waits to be revealed; revealed: it was; expired: the request lapsed unanswered, or its answer unread' }),
  expires_at: Type.String({ format: 'date-time', description: 'When the request lapses, or once answered, when the answer does' }),
  answered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  answer_kind: Type.Union([Type.Literal('text'), Type.Literal('file'), Type.Null()], { description: 'text: reveal it with GET /request/inbox/{inbox_key}; file: download it with GET /request/inbox/{inbox_key}/file; null until answered' })
}, { additionalProperties: false, examples: [{ status: 'answered', expires_at: '2026-11-27T09:00:00.000Z', answered_at: '2026-11-26T08:12:00.000Z', answer_kind: 'file' }] })

const requestInboxStatus: HttpFunction = {
  name: 'request-inbox-status',
  needsDatabase: true,
  plugin: async (app, { config }) => {
    app.route({
      method: 'GET',
      url: '/request/inbox/:inbox_key/status',
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['request'],
        summary: 'Whether a request was answered',
        description: 'For the requester\'s inbox page, before a deliberate reveal. Consumes nothing.',
        params: InboxParams,
        response: { 200: InboxStatusReply, ...commonErrors(404, 429, 503) }
      },
      async handler (request) {
        const inbox = parseToken(request.params.inbox_key)
        if (inbox === undefined) throw new InboxNotFound()
        const row = await findInbox(app.sql, answerToken(inbox).id)
        if (row === undefined) throw new InboxNotFound()
        return { status: row.status, expires_at: row.expires_at.toISOString(), answered_at: row.answered_at?.toISOString() ?? null, answer_kind: row.answer_kind }
      }
    })
  }
}

export default requestInboxStatus
