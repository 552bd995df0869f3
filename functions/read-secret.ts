// GET /secret/:secret_key — returns the plaintext exactly once; afterwards it no longer exists.
import { Type } from '@sinclair/typebox'
import type { AuditContext } from './_lib/audit.ts'
import { open, passphraseSalt } from './_lib/crypto.ts'
import type { Sql } from './_lib/db.ts'
import { SecretNotFound } from './_lib/errors.ts'
import type { HttpFunction } from './_lib/http-function.ts'
import { derivePassphraseKey } from './_lib/passphrase.ts'
import { guardPassphrase } from './_lib/passphrase-guard.ts'
import { perMinute } from './_lib/rate-limit.ts'
import { requestPassphrase } from './_lib/request-passphrase.ts'
import { commonErrors, SecretKeyParams } from './_lib/schemas.ts'
import { parseToken, type Token } from './_lib/token.ts'

const route = { method: 'GET', url: '/secret/:secret_key' } as const

const ReadSecretReply = Type.Object({
  secret: Type.String({ description: 'The plaintext, as it was stored', examples: ['correct horse battery staple'] })
}, { additionalProperties: false })
const ReadSecretHeaders = Type.Object({
  'x-passphrase': Type.Optional(Type.String({ description: 'Only for secrets created with reveal_requires_passphrase (UTF-8); ignored otherwise' }))
})

const readSecret: HttpFunction = {
  name: 'read-secret',
  needsDatabase: true,
  plugin: async (app, { config, keys, hashPool, who }) => {
    const guard = { sql: app.sql, hashPool, limits: config.passphraseThrottle, action: 'reveal' } as const
    app.route({
      ...route,
      // Fastify would answer HEAD by running this handler: a link preview's HEAD would burn the secret.
      exposeHeadRoute: false,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['secret'],
        summary: 'Reveal a secret (once)',
        description: 'Returns the secret and destroys it in the same database statement: a second request, even a concurrent one, gets 404. ' +
          'A secret created with reveal_requires_passphrase needs X-Passphrase; a wrong one is a 403 and leaves the secret in place.',
        params: SecretKeyParams,
        headers: ReadSecretHeaders,
        response: { 200: ReadSecretReply, ...commonErrors(400, 403, 404, 429, 503) }
      },
      async handler (request) {
        const token = parseToken(request.params.secret_key) // malformed → the same 404, no query
        if (token === undefined) throw new SecretNotFound()
        const by = who(request)
        // The common case is one statement: any secret that needs no passphrase to be read.
        const plain = await take(app.sql, token, by, null)
        if (plain !== undefined) return { secret: open(plain, token, keys) }

        // Nothing ungated here: maybe a gated secret, whose passphrase is checked before it is taken.
        const passphrase = requestPassphrase(request, undefined)
        const guarded = await guardPassphrase(guard, token, by, passphrase)
        if (!guarded.reveal_requires_passphrase || guarded.passphrase_hash === null || passphrase === undefined) throw new SecretNotFound()
        const sealed = await take(app.sql, token, by, guarded.passphrase_hash)
        if (sealed === undefined) throw new SecretNotFound()
        const salt = passphraseSalt(sealed)
        const gate = salt === undefined ? undefined : await derivePassphraseKey(hashPool, passphrase, salt)
        return { secret: open(sealed, token, keys, gate?.key) }
      }
    })
  }
}

/**
 * One statement = atomic consume + audit: concurrent readers cannot both win, and an expired row
 * met here is removed (audited as expired) without its ciphertext leaving the database.
 * `gatedHash` null takes only secrets without reveal_requires_passphrase; otherwise only the gated
 * secret whose passphrase hash was just verified.
 */
async function take (sql: Sql, token: Token, by: AuditContext, gatedHash: string | null): Promise<Buffer | undefined> {
  const [row] = await sql<{ ciphertext: Buffer | null }[]>`
    with taken as (
      delete from secret
      where id = ${token.id}
        and reveal_requires_passphrase = ${gatedHash !== null}
        and (${gatedHash}::text is null or passphrase_hash = ${gatedHash})
      returning ref, ciphertext, created_at, expires_at > now() as live
    ), logged as (
      insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
      select
        case when live then 'revealed' else 'expired' end,
        ref, ${by.client_ip}, ${by.client_ip_hash}, ${by.user_agent}, ${by.request_id},
        jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at)))
      from taken
    )
    select case when live then ciphertext end as ciphertext from taken`
  return row?.ciphertext ?? undefined
}

export default readSecret
