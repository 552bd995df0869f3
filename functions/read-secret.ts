// GET /secret/:secret_key — returns the plaintext exactly once; afterwards it no longer exists.
import { Type } from '@sinclair/typebox'
import { open, passphraseSalt } from './_lib/secrets/crypto.ts'
import { SecretNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { deriveLegacyPassphraseKey } from './_lib/secrets/passphrase.ts'
import { guardPassphrase } from './_lib/secrets/passphrase-guard.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { refusePassphraseInUrl, requestPassphrase } from './_lib/secrets/request-passphrase.ts'
import { takeSecret } from './_lib/secrets/store.ts'
import { commonErrors, SecretKeyParams } from './_lib/platform/schemas.ts'
import { parseToken } from './_lib/secrets/token.ts'

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
    const guard = { sql: app.sql, hashPool, limits: config.passphraseThrottle, action: 'reveal', kind: 'text' } as const
    app.route({
      ...route,
      // Fastify would answer HEAD by running this handler: a link preview's HEAD would burn the secret.
      exposeHeadRoute: false,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['secret'],
        summary: 'Reveal a secret (once)',
        description: 'Returns the secret and destroys it in the same database statement: a second request, even a concurrent one, gets 404. ' +
          'A secret created with reveal_requires_passphrase needs X-Passphrase; a wrong one is a 403 and leaves the secret in place. ' +
          'A key that holds a file is a 404 with the code SECRET_IS_FILE, and the file stays (GET /file/{secret_key} downloads it).',
        params: SecretKeyParams,
        headers: ReadSecretHeaders,
        response: { 200: ReadSecretReply, ...commonErrors(400, 403, 404, 429, 503) }
      },
      async handler (request) {
        refusePassphraseInUrl(request)
        const token = parseToken(request.params.secret_key) // malformed → the same 404, no query
        if (token === undefined) throw new SecretNotFound()
        const by = who(request)
        // The common case is one statement: any secret that needs no passphrase to be read.
        const plain = await takeSecret(app.sql, { id: token.id, by, gatedHash: null })
        if (plain !== undefined) return { secret: open(plain, token, keys) }

        // Nothing ungated here: maybe a gated secret, whose passphrase is checked before it is taken.
        const passphrase = requestPassphrase(request, undefined)
        const guarded = await guardPassphrase(guard, token, by, passphrase)
        if (!guarded.reveal_requires_passphrase || guarded.passphrase_hash === null || passphrase === undefined) throw new SecretNotFound()
        const sealed = await takeSecret(app.sql, { id: token.id, by, gatedHash: guarded.passphrase_hash })
        if (sealed === undefined) throw new SecretNotFound()
        const salt = passphraseSalt(sealed)
        // The check's own Argon2id run gave the key share, except for a hash stored before that
        // format (passphrase.ts), whose share is a second run under the ciphertext's salt.
        const gate = salt === undefined ? undefined : guarded.passphraseKey ?? await deriveLegacyPassphraseKey(hashPool, passphrase, salt)
        return { secret: open(sealed, token, keys, gate?.key) }
      }
    })
  }
}

export default readSecret
