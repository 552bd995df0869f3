// POST /secret — encrypts a secret, stores it until its TTL, returns the only key that reveals it.
import { Type, type Static } from '@sinclair/typebox'
import { seal } from './_lib/secrets/crypto.ts'
import { SecretKeyMissingPassphrase, SecretTooLarge } from './_lib/platform/errors.ts'
import { CREATE_SECURITY, creatorAudit, creatorGuard } from './_lib/accounts/creator.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { resolveTtl } from './_lib/secrets/lifetime.ts'
import { bucketLength } from './_lib/secrets/padding.ts'
import { hashPassphrase } from './_lib/secrets/passphrase.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import { Passphrase, requireWellFormed } from './_lib/secrets/text.ts'
import { insertSecret } from './_lib/secrets/store.ts'
import { newToken } from './_lib/secrets/token.ts'
import { NOTIFY_URL_DESCRIPTION, notifySecret, subscribe } from './_lib/webhooks/subscribe.ts'

const route = { method: 'POST', url: '/secret' } as const

const CreateSecretReply = Type.Object({
  secret_key: Type.String({ description: 'Reveals the secret once: GET /secret/{secret_key}. Not stored by the server.', examples: ['pR8Yq1ZkN3mV0sX7cT2uW9eB4hJ6gL5aD1fK8nQ3rSw'] }),
  expires_at: Type.String({ format: 'date-time', description: 'When the secret is destroyed if nobody reads it', examples: ['2026-11-26T09:00:00.000Z'] }),
  receipt_key: Type.String({ description: 'For the creator only: GET /receipt/{receipt_key} tells whether the secret was revealed, without revealing it. Not stored by the server.', examples: ['Zr4mQ8sT1vX6yB3nK9pL2wE7cH5jD0gF4aU8iO6eR1k'] }),
  notify_secret: Type.Optional(Type.String({ description: 'Only with notify_url, and only in this response: signs the deliveries (Standard Webhooks). Not readable from the server afterwards.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }))
}, { additionalProperties: false })

const createSecret: HttpFunction = {
  name: 'create-secret',
  needsDatabase: true,
  plugin: async (app, { config, keys, hashPool, who }) => {
    const limits = config.secret
    const CreateSecretBody = Type.Object({
      secret: Type.String({ minLength: 1, description: `The text to share, at most ${limits.maxBytes} bytes of UTF-8`, examples: ['correct horse battery staple'] }),
      passphrase: Type.Optional(Type.String({ ...Passphrase, description: 'If set, DELETE must present it (and GET too with reveal_requires_passphrase)' })),
      ttl_seconds: Type.Optional(Type.Integer({
        description: `Seconds until the secret is destroyed unread: ${limits.minTtlSeconds} to ${limits.maxTtlSeconds}, default ${limits.defaultTtlSeconds}`,
        examples: [3600]
      })),
      reveal_requires_passphrase: Type.Optional(Type.Boolean({ description: 'GET must present the passphrase too (X-Passphrase), and the passphrase becomes part of the encryption key. Needs `passphrase`.', default: false })),
      notify_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: NOTIFY_URL_DESCRIPTION, examples: ['https://hooks.example.com/burnlink'] }))
    }, { additionalProperties: false, examples: [{ secret: 'correct horse battery staple', passphrase: 'tr0ub4dor', ttl_seconds: 3600 }] })

    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.create) },
      schema: {
        tags: ['secret'],
        summary: 'Store a secret',
        description: 'Encrypts the secret and returns the key that reveals it exactly once, and a receipt key for the creator.',
        body: CreateSecretBody,
        response: { 201: CreateSecretReply, ...commonErrors(400, 401, 403, 413, 415, 429, 503) },
        security: CREATE_SECURITY
      },
      preHandler: creatorGuard(config.accounts),
      async handler (request, reply) {
        const body: Static<typeof CreateSecretBody> = request.body
        requireWellFormed('secret', body.secret)
        if (body.passphrase !== undefined) requireWellFormed('passphrase', body.passphrase)
        const gated = body.reveal_requires_passphrase === true
        if (gated && body.passphrase === undefined) throw new SecretKeyMissingPassphrase()
        const size = Buffer.byteLength(body.secret, 'utf8')
        if (size > limits.maxBytes) throw new SecretTooLarge(size, limits.maxBytes)
        const ttl = resolveTtl(limits, body.ttl_seconds)

        const creator = creatorAudit(request.creator, config.accounts)
        const token = newToken()
        const receipt = newToken()
        const subscription = await subscribe(body.notify_url, token.ref, config.webhook, keys)
        // One Argon2id run gives both the stored check and, for a gated secret, the key share.
        const hashed = body.passphrase === undefined ? undefined : await hashPassphrase(hashPool, body.passphrase)
        const passphraseHash = hashed?.encoded ?? null
        const ciphertext = seal(body.secret, token, keys, gated ? hashed?.key : undefined)
        // The padded size, like the ciphertext's: an exact size would tell audit readers a password's length.
        const details = { ttl_seconds: ttl, passphrase: passphraseHash !== null, reveal_requires_passphrase: gated, size_bucket_bytes: bucketLength(size) }
        // One statement: the secret never exists without its receipt and its 'created' audit row,
        // nor beyond its creator's storage quota.
        const by = who(request)
        const quota = config.storageQuota.bytesPerClient === 0 ? null : { client: by.client, ...config.storageQuota }
        const expiresAt = await insertSecret(app.sql, {
          id: token.id,
          ref: token.ref,
          ciphertext,
          passphraseHash,
          revealRequiresPassphrase: gated,
          ttlSeconds: ttl,
          receiptId: receipt.id,
          by,
          accountId: creator.accountId,
          details: { ...details, ...creator.details },
          quota,
          notify: subscription.target
        })
        reply.code(201)
        return { secret_key: token.key, expires_at: expiresAt.toISOString(), receipt_key: receipt.key, ...notifySecret(subscription) }
      }
    })
  }
}

export default createSecret
