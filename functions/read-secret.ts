// GET /secret/:secret_key — returns the plaintext exactly once; afterwards it no longer exists.
import { Type } from '@sinclair/typebox'
import { auditContext } from './_lib/audit.ts'
import { open } from './_lib/crypto.ts'
import { SecretNotFound } from './_lib/errors.ts'
import type { HttpFunction } from './_lib/http-function.ts'
import { commonErrors, SecretKeyParams } from './_lib/schemas.ts'
import { parseToken } from './_lib/token.ts'

const route = { method: 'GET', url: '/secret/:secret_key' } as const

const ReadSecretReply = Type.Object({
  secret: Type.String({ description: 'The plaintext, as it was stored', examples: ['correct horse battery staple'] })
}, { additionalProperties: false })

const readSecret: HttpFunction = {
  name: 'read-secret',
  needsDatabase: true,
  plugin: async (app, { keys }) => {
    app.route({
      ...route,
      // Fastify would answer HEAD by running this handler: a link preview's HEAD would burn the secret.
      exposeHeadRoute: false,
      schema: {
        tags: ['secret'],
        summary: 'Reveal a secret (once)',
        description: 'Returns the secret and destroys it in the same database statement: a second request, even a concurrent one, gets 404.',
        params: SecretKeyParams,
        response: { 200: ReadSecretReply, ...commonErrors(404, 503) }
      },
      async handler (request) {
        const token = parseToken(request.params.secret_key) // malformed → the same 404, no query
        if (token === undefined) throw new SecretNotFound()
        const who = auditContext(request)
        // One statement = atomic consume + audit: concurrent readers cannot both win, and an expired
        // row met here is removed (audited as expired) without its ciphertext leaving the database.
        const [row] = await app.sql<{ ciphertext: Buffer | null }[]>`
          with taken as (
            delete from secret
            where id = ${token.id}
            returning ref, ciphertext, created_at, expires_at > now() as live
          ), logged as (
            insert into audit_log (event, secret_ref, client_ip, user_agent, request_id, details)
            select
              case when live then 'revealed' else 'expired' end,
              ref, ${who.client_ip}, ${who.user_agent}, ${who.request_id},
              jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at)))
            from taken
          )
          select case when live then ciphertext end as ciphertext from taken`
        if (row?.ciphertext == null) throw new SecretNotFound()
        return { secret: open(row.ciphertext, token, keys) }
      }
    })
  }
}

export default readSecret
