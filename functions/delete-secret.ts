// DELETE /secret/:secret_key — destroys a secret unread; needs its passphrase if it has one.
import { Type, type Static } from '@sinclair/typebox'
import { SecretNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { guardPassphrase } from './_lib/secrets/passphrase-guard.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { refusePassphraseInUrl, requestPassphrase } from './_lib/secrets/request-passphrase.ts'
import { commonErrors, SecretKeyParams } from './_lib/platform/schemas.ts'
import { deleteUnreadSecret } from './_lib/secrets/store.ts'
import { Passphrase } from './_lib/secrets/text.ts'
import { parseToken } from './_lib/secrets/token.ts'

const route = { method: 'DELETE', url: '/secret/:secret_key' } as const

const DeleteSecretBody = Type.Object({
  passphrase: Type.Optional(Type.String({ ...Passphrase, description: 'Required if the secret was created with one (or send X-Passphrase)' }))
}, { additionalProperties: false })
const DeleteSecretHeaders = Type.Object({
  'x-passphrase': Type.Optional(Type.String({ description: 'The passphrase, as UTF-8; alternative to the body' }))
})
const DeleteSecretReply = Type.Object({
  status: Type.Literal('secret_deleted')
}, { additionalProperties: false })

const deleteSecret: HttpFunction = {
  name: 'delete-secret',
  needsDatabase: true,
  plugin: async (app, { config, hashPool, who }) => {
    const guard = { sql: app.sql, hashPool, limits: config.passphraseThrottle, action: 'delete' } as const
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.delete) },
      schema: {
        tags: ['secret'],
        summary: 'Delete a secret unread',
        description: 'Destroys the secret. If it was created with a passphrase, the request must carry it; a missing or wrong passphrase leaves the secret readable. ' +
          'Repeated wrong passphrases lock the secret for that client (and, past a higher count, for everyone) for a while: 429 with Retry-After.',
        params: SecretKeyParams,
        headers: DeleteSecretHeaders,
        body: DeleteSecretBody,
        response: { 200: DeleteSecretReply, ...commonErrors(400, 403, 404, 413, 415, 429, 503) }
      },
      // Most DELETEs carry no body at all: validate that as an empty object.
      preValidation: async (request) => { request.body ??= {} },
      async handler (request) {
        refusePassphraseInUrl(request)
        const body: Static<typeof DeleteSecretBody> = request.body
        const passphrase = requestPassphrase(request, body.passphrase)
        const token = parseToken(request.params.secret_key)
        if (token === undefined) throw new SecretNotFound()
        const by = who(request)
        const { passphrase_hash: hash } = await guardPassphrase(guard, token, by, passphrase)
        if (!await deleteUnreadSecret(app.sql, token.id, hash, by)) throw new SecretNotFound()
        return { status: 'secret_deleted' as const }
      }
    })
  }
}

export default deleteSecret
