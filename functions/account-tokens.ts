// GET, POST /account/tokens and DELETE /account/tokens/:name — a signed-in user's own API tokens.
import { Type } from '@sinclair/typebox'
import { sessionOf } from './_lib/accounts/creator.ts'
import { createApiToken, listApiTokens, revokeApiToken } from './_lib/accounts/tokens.ts'
import { AuthRequired } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import createError from '@fastify/error'

const TokenNotFound = createError('TOKEN_NOT_FOUND', 'You have no live token of this name', 404)
const TokenNameTaken = createError('TOKEN_NAME_TAKEN', 'You already have a live token of this name', 409)

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$', description: 'Your name for the token' })
const Token = Type.Object({
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
}, { additionalProperties: false })

const accountTokens: HttpFunction = {
  name: 'account-tokens',
  needsDatabase: true,
  plugin: async (app, { config }) => {
    // A browser session only: a token cannot mint or revoke tokens.
    const signedIn = async (request: Parameters<typeof sessionOf>[0]) => {
      const session = await sessionOf(request, config.accounts)
      if (session === undefined) throw new AuthRequired()
      return session
    }
    const iso = (d: Date | null) => d?.toISOString() ?? null

    app.get('/account/tokens', { schema: { tags: ['account'], summary: 'My API tokens', response: { 200: Type.Object({ tokens: Type.Array(Token) }), ...commonErrors(401) } } }, async (request) => {
      const session = await signedIn(request)
      const rows = await listApiTokens(app.sql, session.account_id)
      return { tokens: rows.map((r) => ({ name: r.name, created_at: r.created_at.toISOString(), last_used_at: iso(r.last_used_at), revoked_at: iso(r.revoked_at) })) }
    })

    app.post('/account/tokens', { schema: { tags: ['account'], summary: 'Create an API token (shown only in this answer)', body: Type.Object({ name: Name }, { additionalProperties: false }), response: { 201: Type.Object({ name: Type.String(), token: Type.String() }), ...commonErrors(400, 401, 403) } } }, async (request, reply) => {
      const session = await signedIn(request)
      try {
        const token = await createApiToken(app.sql, request.body.name, session.account_id)
        reply.code(201)
        return { name: request.body.name, token }
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new TokenNameTaken()
        throw err
      }
    })

    app.delete('/account/tokens/:name', { schema: { tags: ['account'], summary: 'Revoke one of my API tokens', params: Type.Object({ name: Name }), response: { 204: Type.Null(), ...commonErrors(401, 403, 404) } } }, async (request, reply) => {
      const session = await signedIn(request)
      if (!await revokeApiToken(app.sql, request.params.name, session.account_id)) throw new TokenNotFound()
      reply.code(204)
      return null
    })
  }
}

export default accountTokens
