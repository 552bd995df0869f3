// GET /secret/:secret_key/status — is a secret (text or file) waiting under this key? Consumes nothing.
import { Type } from '@sinclair/typebox'
import { SecretNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { commonErrors, SecretKeyParams } from './_lib/platform/schemas.ts'
import { findWaitingSecret } from './_lib/secrets/store.ts'
import { parseToken } from './_lib/secrets/token.ts'

const route = { method: 'GET', url: '/secret/:secret_key/status' } as const

const SecretStatusReply = Type.Object({
  status: Type.Literal('waiting'),
  kind: Type.Union([Type.Literal('text'), Type.Literal('file')], { description: 'text: reveal with GET /secret/{key}; file: download with GET /file/{key}' }),
  requires_passphrase: Type.Boolean({ description: 'GET /secret/{key} needs X-Passphrase (reveal_requires_passphrase)' }),
  expires_at: Type.String({ format: 'date-time' })
}, { additionalProperties: false, examples: [{ status: 'waiting', kind: 'file', requires_passphrase: false, expires_at: '2026-11-26T09:00:00.000Z' }] })

const secretStatus: HttpFunction = {
  name: 'secret-status',
  needsDatabase: true,
  plugin: async (app, { config }) => {
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['secret'],
        summary: 'Check that a secret is waiting, without revealing it',
        description: 'For pages that show "a secret is waiting" before a deliberate reveal, and learn whether to fetch text or a file. The same 404 as GET for anything else.',
        params: SecretKeyParams,
        response: { 200: SecretStatusReply, ...commonErrors(404, 429, 503) }
      },
      async handler (request) {
        const token = parseToken(request.params.secret_key)
        if (token === undefined) throw new SecretNotFound()
        const row = await findWaitingSecret(app.sql, token.id)
        if (row === undefined) throw new SecretNotFound()
        return { status: 'waiting' as const, kind: row.kind, requires_passphrase: row.reveal_requires_passphrase, expires_at: row.expires_at.toISOString() }
      }
    })
  }
}

export default secretStatus
