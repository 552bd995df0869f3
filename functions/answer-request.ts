// POST /request/:request_key/answer — the holder answers a request, once; the answer becomes a secret.
import { Type, type Static } from '@sinclair/typebox'
import { open, seal } from './_lib/secrets/crypto.ts'
import { RequestAnswered, RequestNotFound, SecretTooLarge } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { bucketLength } from './_lib/secrets/padding.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { answerRequest, findRequest } from './_lib/secrets/request-store.ts'
import { commonErrors, RequestKeyParams } from './_lib/platform/schemas.ts'
import { requireWellFormed } from './_lib/secrets/text.ts'
import { parseToken } from './_lib/secrets/token.ts'

const route = { method: 'POST', url: '/request/:request_key/answer' } as const

const AnswerReply = Type.Object({
  status: Type.Literal('answered'),
  expires_at: Type.String({ format: 'date-time', description: 'When the answer is destroyed if the requester does not read it' })
}, { additionalProperties: false, examples: [{ status: 'answered', expires_at: '2026-11-27T09:00:00.000Z' }] })

const answerRequestFunction: HttpFunction = {
  name: 'answer-request',
  needsDatabase: true,
  plugin: async (app, { config, keys, who }) => {
    const limits = config.secret
    const AnswerBody = Type.Object({
      secret: Type.String({ minLength: 1, description: `The answer, at most ${limits.maxBytes} bytes of UTF-8. The web app and the CLI send a zkr1 envelope: encrypted to the requester's public key from the request link's fragment.`, examples: ['zkr1:BPx…'] })
    }, { additionalProperties: false })
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.create) },
      schema: {
        tags: ['request'],
        summary: 'Answer a request (once)',
        description: 'Stores the answer as a one-time secret that only the inbox key reveals. A second answer is a 409 REQUEST_ALREADY_ANSWERED; an unknown or lapsed request a 404.',
        params: RequestKeyParams,
        body: AnswerBody,
        response: { 201: AnswerReply, ...commonErrors(400, 404, 409, 413, 415, 429, 503) }
      },
      async handler (request, reply) {
        const token = parseToken(request.params.request_key)
        if (token === undefined) throw new RequestNotFound()
        const body: Static<typeof AnswerBody> = request.body
        requireWellFormed('secret', body.secret)
        const size = Buffer.byteLength(body.secret, 'utf8')
        if (size > limits.maxBytes) throw new SecretTooLarge(size, limits.maxBytes)
        // The answer's key never changes: reading it before the answering statement races nothing.
        const found = await findRequest(app.sql, token.id)
        if (found === undefined || (found.answered_at === null && !found.live)) throw new RequestNotFound()
        if (found.answered_at !== null) throw new RequestAnswered()
        // Sealed for the answer token (its id and key bytes), which the inbox key computes alone.
        const answer = { key: '', bytes: Buffer.from(open(found.answer_key, token, keys), 'base64url'), id: found.inbox_id, ref: '' }
        const ciphertext = seal(body.secret, answer, keys)
        // Counted against the answerer's storage quota, like any create.
        const by = who(request)
        const quota = config.storageQuota.bytesPerClient === 0 ? null : { client: by.client, ...config.storageQuota }
        const expiresAt = await answerRequest(app.sql, { id: token.id, ciphertext, sizeBucketBytes: bucketLength(size), by, quota })
        if (expiresAt === undefined) {
          // Another answer won meanwhile, or the request lapsed: say which.
          const now = await findRequest(app.sql, token.id)
          if (now?.answered_at != null) throw new RequestAnswered()
          throw new RequestNotFound()
        }
        reply.code(201)
        return { status: 'answered' as const, expires_at: expiresAt.toISOString() }
      }
    })
  }
}

export default answerRequestFunction
