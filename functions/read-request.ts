// GET /request/:request_key — the holder's view of a request: its note, and whether it is still open.
import { Type } from '@sinclair/typebox'
import { open } from './_lib/secrets/crypto.ts'
import { RequestNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { findRequest } from './_lib/secrets/request-store.ts'
import { commonErrors, RequestKeyParams } from './_lib/platform/schemas.ts'
import { parseToken } from './_lib/secrets/token.ts'

const route = { method: 'GET', url: '/request/:request_key' } as const

const ReadRequestReply = Type.Object({
  status: Type.Union([Type.Literal('open'), Type.Literal('answered'), Type.Literal('expired')], { description: 'open: it takes an answer; answered: it took one; expired: it lapsed unanswered' }),
  note: Type.Union([Type.String(), Type.Null()], { description: 'The requester\'s note, only while open (null without one). Show it as text, never as HTML.' }),
  expires_at: Type.String({ format: 'date-time' }),
  answered_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
}, { additionalProperties: false, examples: [{ status: 'open', note: 'The staging database password, please', expires_at: '2026-11-26T09:00:00.000Z', answered_at: null }] })

const readRequest: HttpFunction = {
  name: 'read-request',
  needsDatabase: true,
  plugin: async (app, { config, keys }) => {
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['request'],
        summary: 'Show a request to its holder',
        description: 'Consumes nothing. A request stays visible (answered) until its answer expires, then disappears: 404.',
        params: RequestKeyParams,
        response: { 200: ReadRequestReply, ...commonErrors(404, 429, 503) }
      },
      async handler (request) {
        const token = parseToken(request.params.request_key)
        if (token === undefined) throw new RequestNotFound()
        const row = await findRequest(app.sql, token.id)
        if (row === undefined) throw new RequestNotFound()
        const status: 'open' | 'answered' | 'expired' = row.answered_at !== null ? 'answered' : row.live ? 'open' : 'expired'
        return {
          status,
          note: status === 'open' && row.note !== null ? open(row.note, token, keys) : null,
          expires_at: row.expires_at.toISOString(),
          answered_at: row.answered_at?.toISOString() ?? null
        }
      }
    })
  }
}

export default readRequest
