// POST /request — asks for a secret: a request key for the holder, an inbox key for the requester.
import { Type, type Static } from '@sinclair/typebox'
import { seal } from './_lib/secrets/crypto.ts'
import { CREATE_SECURITY, creatorAudit, creatorGuard } from './_lib/accounts/creator.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { resolveTtl } from './_lib/secrets/lifetime.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { answerToken, insertRequest } from './_lib/secrets/request-store.ts'
import { commonErrors } from './_lib/platform/schemas.ts'
import { requireWellFormed } from './_lib/secrets/text.ts'
import { newToken } from './_lib/secrets/token.ts'
import { NOTIFY_URL_DESCRIPTION, notifySecret, subscribe } from './_lib/webhooks/subscribe.ts'

const route = { method: 'POST', url: '/request' } as const

export const NOTE_MAX_LENGTH = 1000

const CreateRequestBody = Type.Object({
  note: Type.Optional(Type.String({ minLength: 1, maxLength: NOTE_MAX_LENGTH, description: 'Shown to whoever opens the request link, as plain text: say what you ask for and why', examples: ['The staging database password, please'] })),
  ttl_seconds: Type.Optional(Type.Integer({ description: 'Seconds the request stays open; an answer then lives as long again. Same bounds as POST /secret.', examples: [86400] })),
  notify_url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: NOTIFY_URL_DESCRIPTION, examples: ['https://hooks.example.com/burnlink'] }))
}, { additionalProperties: false, examples: [{ note: 'The staging database password, please', ttl_seconds: 86400 }] })

const CreateRequestReply = Type.Object({
  request_key: Type.String({ description: 'For the holder of the secret: GET /request/{request_key} shows the note, POST /request/{request_key}/answer answers once. Cannot read the answer. Not stored by the server.', examples: ['Qm3xT8vN1pR6sY0wK4hJ9gL2cB7fD5aE3uI8oZ1nX6k'] }),
  inbox_key: Type.String({ description: 'For the requester only: GET /request/inbox/{inbox_key}/status says whether it was answered, GET /request/inbox/{inbox_key} reveals the answer once. Cannot answer. Not stored by the server.', examples: ['Zr4mQ8sT1vX6yB3nK9pL2wE7cH5jD0gF4aU8iO6eR1k'] }),
  expires_at: Type.String({ format: 'date-time', description: 'When the request lapses unanswered', examples: ['2026-11-26T09:00:00.000Z'] }),
  notify_secret: Type.Optional(Type.String({ description: 'Only with notify_url, and only in this response: signs the deliveries (Standard Webhooks). Not readable from the server afterwards.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] }))
}, { additionalProperties: false })

const createRequest: HttpFunction = {
  name: 'create-request',
  needsDatabase: true,
  plugin: async (app, { config, keys, who }) => {
    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.create) },
      schema: {
        tags: ['request'],
        summary: 'Ask someone for a secret',
        description: 'Creates a request and returns two keys. The web app and the CLI put the requester\'s public key in the request link\'s fragment and the private key in the inbox link\'s: the holder encrypts the answer to the public key, and the server never sees either key.',
        body: CreateRequestBody,
        response: { 201: CreateRequestReply, ...commonErrors(400, 401, 403, 415, 429, 503) },
        security: CREATE_SECURITY
      },
      // Creating a request is a create (CREATORS=signed-in); answering one never is: its link is the capability.
      preHandler: creatorGuard(config.accounts),
      async handler (request, reply) {
        const body: Static<typeof CreateRequestBody> = request.body
        if (body.note !== undefined) requireWellFormed('note', body.note)
        const ttl = resolveTtl(config.secret, body.ttl_seconds)
        const creator = creatorAudit(request.creator, config.accounts)
        const requestToken = newToken()
        const inbox = newToken()
        const answer = answerToken(inbox)
        const subscription = await subscribe(body.notify_url, answer.ref, config.webhook, keys)
        const expiresAt = await insertRequest(app.sql, {
          id: requestToken.id,
          inboxId: answer.id,
          ref: answer.ref,
          note: body.note === undefined ? null : seal(body.note, requestToken, keys),
          // The answer's key, openable with the request key only: the answer can be sealed when it comes.
          answerKey: seal(answer.bytes.toString('base64url'), requestToken, keys),
          ttlSeconds: ttl,
          by: who(request),
          accountId: creator.accountId,
          details: creator.details,
          notify: subscription.target
        })
        reply.code(201)
        return { request_key: requestToken.key, inbox_key: inbox.key, expires_at: expiresAt.toISOString(), ...notifySecret(subscription) }
      }
    })
  }
}

export default createRequest
