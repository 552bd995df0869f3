// POST /file — stores a file (already encrypted by the client) as it streams in, until its TTL.
import { Type, type Static } from '@sinclair/typebox'
import { fileKey } from './_lib/secrets/crypto.ts'
import { FileTransferTimeout, SecretKeyMissingPassphrase } from './_lib/platform/errors.ts'
import { CREATE_SECURITY, creatorAudit, creatorGuard } from './_lib/accounts/creator.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { storedBytes } from './_lib/secrets/file-store.ts'
import { declaredUpload, receiveUpload } from './_lib/secrets/file-http.ts'
import { resolveTtl } from './_lib/secrets/lifetime.ts'
import { bucketLength } from './_lib/secrets/padding.ts'
import { hashPassphrase, type HashedPassphrase } from './_lib/secrets/passphrase.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { requestPassphrase } from './_lib/secrets/request-passphrase.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import { endTransfer, publishFile, startUpload } from './_lib/secrets/file-statements.ts'
import { newToken } from './_lib/secrets/token.ts'
import { NOTIFY_URL_DESCRIPTION, notifySecret, subscribe } from './_lib/webhooks/subscribe.ts'

const route = { method: 'POST', url: '/file' } as const

const CreateFileReply = Type.Object({
  secret_key: Type.String({ description: 'Downloads the file once: GET /file/{secret_key}. Not stored by the server.', examples: ['pR8Yq1ZkN3mV0sX7cT2uW9eB4hJ6gL5aD1fK8nQ3rSw'] }),
  expires_at: Type.String({ format: 'date-time', description: 'When the file is destroyed if nobody downloads it', examples: ['2026-11-26T09:00:00.000Z'] }),
  receipt_key: Type.String({ description: 'For the sender only: GET /receipt/{receipt_key} tells whether the file was downloaded. Not stored by the server.', examples: ['Zr4mQ8sT1vX6yB3nK9pL2wE7cH5jD0gF4aU8iO6eR1k'] }),
  notify_secret: Type.Optional(Type.String({ description: 'Only with notify_url, and only in this response: signs the deliveries (Standard Webhooks). Not readable from the server afterwards.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }))
}, { additionalProperties: false })
const CreateFileHeaders = Type.Object({
  'x-passphrase': Type.Optional(Type.String({ description: 'A passphrase (UTF-8): DELETE must present it, and GET too with reveal_requires_passphrase. Only here, never in the URL.' }))
})

const createFile: HttpFunction = {
  name: 'create-file',
  needsDatabase: true,
  plugin: async (app, { config, keys, hashPool, who }) => {
    const limits = config.secret
    const maxBytes = config.file.maxBytes
    const CreateFileQuery = Type.Object({
      ttl_seconds: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$', description: `Seconds until the file is destroyed undownloaded: ${limits.minTtlSeconds} to ${limits.maxTtlSeconds}, default ${limits.defaultTtlSeconds}`, examples: ['3600'] })),
      reveal_requires_passphrase: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: GET must present the passphrase too (X-Passphrase), and it becomes part of the server\'s key. Needs X-Passphrase.', default: 'false' })),
      notify_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: NOTIFY_URL_DESCRIPTION, examples: ['https://hooks.example.com/burnlink'] }))
    }, { additionalProperties: false })

    // Only raw bytes, handed over as the stream they arrive in: nothing buffers the body, so
    // neither Fastify's bodyLimit nor JSON applies here.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => { done(null, payload) })
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.create), readsOwnBody: true },
      schema: {
        tags: ['file'],
        summary: 'Store a file',
        description: 'Streams the body, the client\'s ciphertext of the file (a web app or CLI envelope; the server never sees the plaintext), into storage under the server\'s own encryption, and returns the key that downloads it exactly once. ' +
          `Content-Length is required and at most ${maxBytes} bytes (FILE_MAX_BYTES): a larger file is refused with 413 before its body is read (send Expect: 100-continue to avoid uploading it at all); so is a file that would take more than the whole storage quota. ` +
          'The bytes the file is stored as count against the client\'s storage quota (STORAGE_QUOTA_BYTES_PER_CLIENT), charged before the body is read: over it, 429 instead of 100 Continue. ' +
          'Options are query parameters; a passphrase goes only in X-Passphrase. An upload that breaks off stores nothing (its quota charge stays).',
        querystring: CreateFileQuery,
        headers: CreateFileHeaders,
        body: { content: { 'application/octet-stream': { schema: { description: 'The file\'s bytes as the client encrypted them', examples: ['<binary>'] } } } },
        response: { 201: CreateFileReply, ...commonErrors(400, 401, 403, 408, 411, 413, 415, 429, 503) },
        security: CREATE_SECURITY
      },
      preHandler: creatorGuard(config.accounts),
      async handler (request, reply) {
        const query: Static<typeof CreateFileQuery> = request.query
        const upload = declaredUpload(request, maxBytes, config.storageQuota.bytesPerClient)
        const passphrase = requestPassphrase(request, undefined)
        const gated = query.reveal_requires_passphrase === 'true'
        if (gated && passphrase === undefined) throw new SecretKeyMissingPassphrase()
        const ttl = resolveTtl(limits, query.ttl_seconds === undefined ? undefined : Number(query.ttl_seconds))

        const creator = creatorAudit(request.creator, config.accounts)
        const token = newToken()
        const receipt = newToken()
        // Checked before the upload: a refused notify_url costs the client no transfer.
        const subscription = await subscribe(query.notify_url, token.ref, config.webhook, keys)
        const sizeBucketBytes = bucketLength(upload.size)
        // The file's stored bytes count against its sender's storage quota before a byte of the
        // body is read, and before its passphrase costs a hash: over it, the 429 goes out instead
        // of a 100 Continue. A broken-off upload keeps its charge.
        const by = who(request)
        const quota = config.storageQuota.bytesPerClient === 0 ? null : { client: by.client, ...config.storageQuota }
        await startUpload(app.sql, token.id, quota, storedBytes(upload.size))
        let hashed: HashedPassphrase | undefined
        try {
          hashed = passphrase === undefined ? undefined : await hashPassphrase(hashPool, passphrase)
        } catch (err) {
          await endTransfer(app.sql, token.id)
          throw err
        }
        const key = fileKey(token, keys, gated ? hashed?.key.key : undefined)
        const expiresAt = await receiveUpload({ sql: app.sql, reply, token, key, upload }, async (chunks) => {
          const published = await publishFile(app.sql, {
            id: token.id,
            ref: token.ref,
            fileBytes: upload.size,
            fileChunks: chunks,
            sizeBucketBytes,
            passphraseHash: hashed?.encoded ?? null,
            revealRequiresPassphrase: gated,
            ttlSeconds: ttl,
            receiptId: receipt.id,
            by,
            accountId: creator.accountId,
            details: { kind: 'file', ttl_seconds: ttl, passphrase: hashed !== undefined, reveal_requires_passphrase: gated, size_bucket_bytes: sizeBucketBytes, ...creator.details },
            notify: subscription.target
          })
          // The upload outlasted its deadline and the purge took it.
          if (published === undefined) throw new FileTransferTimeout()
          return published
        })
        reply.code(201)
        return { secret_key: token.key, expires_at: expiresAt.toISOString(), receipt_key: receipt.key, ...notifySecret(subscription) }
      }
    })
  }
}

export default createFile
