// POST /request/:request_key/answer — the holder answers a request once, with text or a file; the
// answer becomes a secret that only the inbox key reveals.
import { Readable } from 'node:stream'
import { Type, type Static } from '@sinclair/typebox'
import { fileKey, open, seal } from './_lib/secrets/crypto.ts'
import { RequestAnswered, RequestNotFound, SecretTooLarge } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { bucketLength } from './_lib/secrets/padding.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { startAnswerUpload, publishAnswerFile } from './_lib/secrets/answer-file-statements.ts'
import { storedBytes } from './_lib/secrets/file-store.ts'
import { declaredUpload, receiveUpload } from './_lib/secrets/file-http.ts'
import { answerRequest, findRequest, type RequestRow } from './_lib/secrets/request-store.ts'
import { commonErrors, RequestKeyParams } from './_lib/platform/schemas.ts'
import { requireWellFormed } from './_lib/secrets/text.ts'
import { parseToken, type Token } from './_lib/secrets/token.ts'

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
    // A file answer arrives as raw bytes, handed over as the stream they arrive in (as POST /file).
    app.addContentTypeParser('application/octet-stream', (_request, payload, done) => { done(null, payload) })

    /** The answer's own token (its id and key bytes, which the inbox key computes alone). */
    const answerFor = (token: Token, found: RequestRow): Token =>
      ({ key: '', bytes: Buffer.from(open(found.answer_key, token, keys), 'base64url'), id: found.inbox_id, ref: '' })

    /** A text answer's checks: well-formed, within SECRET_MAX_BYTES. */
    const checkedText = (text: string): string => {
      requireWellFormed('secret', text)
      const size = Buffer.byteLength(text, 'utf8')
      if (size > limits.maxBytes) throw new SecretTooLarge(size, limits.maxBytes)
      return text
    }

    /** Why a request took no answer: another answer won meanwhile, or it lapsed. */
    const refusal = async (token: Token): Promise<Error> => {
      const now = await findRequest(app.sql, token.id)
      return now?.answered_at != null ? new RequestAnswered() : new RequestNotFound()
    }

    app.route({
      ...route,
      config: { rateLimit: perMinute(config.rateLimit.create), readsOwnBody: true },
      schema: {
        tags: ['request'],
        summary: 'Answer a request (once), with text or a file',
        description: 'Stores the answer as a one-time secret that only the inbox key reveals. ' +
          'Text is JSON {"secret"}; a file is its bytes as application/octet-stream (the web app and the CLI: a zkr1 file envelope), streamed like POST /file: ' +
          `Content-Length required, at most ${config.file.maxBytes} bytes (FILE_MAX_BYTES), checked before the body is read (Expect: 100-continue is honoured), counted against the storage quota. ` +
          'A second answer is a 409 REQUEST_ALREADY_ANSWERED, one sent while another file answer is still uploading a 409 REQUEST_ANSWER_IN_PROGRESS; an unknown or lapsed request a 404.',
        params: RequestKeyParams,
        body: {
          content: {
            'application/json': { schema: AnswerBody },
            'application/octet-stream': { schema: { description: 'The answer file\'s bytes as the client encrypted them', examples: ['<binary>'] } }
          }
        },
        response: { 201: AnswerReply, ...commonErrors(400, 404, 408, 409, 411, 413, 415, 429, 503) }
      },
      async handler (request, reply) {
        const token = parseToken(request.params.request_key)
        if (token === undefined) throw new RequestNotFound()
        // What arrived is checked before the request is looked up: a refused size costs no query.
        const upload = request.body instanceof Readable ? declaredUpload(request, config.file.maxBytes, config.storageQuota.bytesPerClient) : undefined
        const text = upload === undefined ? checkedText((request.body as Static<typeof AnswerBody>).secret) : ''
        // The answer's key never changes: reading it before the answering statement races nothing.
        const found = await findRequest(app.sql, token.id)
        if (found === undefined || (found.answered_at === null && !found.live)) throw new RequestNotFound()
        if (found.answered_at !== null) throw new RequestAnswered()
        const answer = answerFor(token, found)
        // Counted against the answerer's storage quota, like any create.
        const by = who(request)
        const quota = config.storageQuota.bytesPerClient === 0 ? null : { client: by.client, ...config.storageQuota }

        let expiresAt: Date | undefined
        if (upload === undefined) {
          const ciphertext = seal(text, answer, keys)
          expiresAt = await answerRequest(app.sql, { id: token.id, ciphertext, sizeBucketBytes: bucketLength(Buffer.byteLength(text, 'utf8')), by, quota })
        } else if (await startAnswerUpload(app.sql, { requestId: token.id, answerId: answer.id, quota, storedBytes: storedBytes(upload.size) })) {
          expiresAt = await receiveUpload({ sql: app.sql, reply, token: answer, key: fileKey(answer, keys), upload }, async (chunks) => {
            const answered = await publishAnswerFile(app.sql, { requestId: token.id, answerId: answer.id, fileBytes: upload.size, fileChunks: chunks, sizeBucketBytes: bucketLength(upload.size), by })
            // Inside the upload, so that a refusal here removes the chunks it stored.
            if (answered === undefined) throw await refusal(token)
            return answered
          })
        }
        if (expiresAt === undefined) throw await refusal(token)
        reply.code(201)
        return { status: 'answered' as const, expires_at: expiresAt.toISOString() }
      }
    })
  }
}

export default answerRequestFunction
