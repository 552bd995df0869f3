// GET /request/inbox/:inbox_key (text) and …/file (a file) — reveal a request's answer once,
// exactly like GET /secret/:secret_key and GET /file/:secret_key.
import { Type } from '@sinclair/typebox'
import { open } from './_lib/secrets/crypto.ts'
import { AnswerIsFile, AnswerIsText, AnswerNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { answerToken } from './_lib/secrets/request-store.ts'
import { commonErrors, InboxParams } from './_lib/platform/schemas.ts'
import { findWaitingSecret, takeSecret } from './_lib/secrets/store.ts'
import { takeFile } from './_lib/secrets/file-statements.ts'
import { sendFile } from './_lib/secrets/file-http.ts'
import { parseToken } from './_lib/secrets/token.ts'

const RevealAnswerReply = Type.Object({
  secret: Type.String({ description: 'The answer as the holder sent it (the web app and the CLI: a zkr1 envelope that the inbox link\'s private key opens)' })
}, { additionalProperties: false })

const AnswerFileBytes = {
  description: 'The answer file\'s bytes exactly as they were uploaded (the web app and the CLI: a zkr1 file envelope that the inbox link\'s private key opens), with Content-Length and Content-Disposition: attachment',
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary', examples: ['<binary>'] } } }
}

const revealAnswer: HttpFunction = {
  name: 'reveal-answer',
  needsDatabase: true,
  plugin: async (app, { config, keys, who }) => {
    /** Why nothing was taken: the answer is of the other kind (and stays), or there is none. */
    const refusal = async (answerId: Buffer, wanted: 'text' | 'file'): Promise<Error> => {
      const waiting = await findWaitingSecret(app.sql, answerId)
      if (waiting === undefined || waiting.kind === wanted) return new AnswerNotFound()
      return waiting.kind === 'file' ? new AnswerIsFile() : new AnswerIsText()
    }

    app.route({
      method: 'GET',
      url: '/request/inbox/:inbox_key',
      // As for GET /secret: a link preview's HEAD must not burn the answer.
      exposeHeadRoute: false,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['request'],
        summary: 'Reveal a text answer (once)',
        description: 'Returns the answer and destroys it in the same statement, exactly like GET /secret/{secret_key}: a second request gets 404. ' +
          'An answer that is a file is a 404 with the code SECRET_IS_FILE, and it stays (GET /request/inbox/{inbox_key}/file downloads it).',
        params: InboxParams,
        response: { 200: RevealAnswerReply, ...commonErrors(404, 429, 503) }
      },
      async handler (request) {
        const inbox = parseToken(request.params.inbox_key)
        if (inbox === undefined) throw new AnswerNotFound()
        const answer = answerToken(inbox)
        const sealed = await takeSecret(app.sql, { id: answer.id, by: who(request), gatedHash: null })
        if (sealed === undefined) throw await refusal(answer.id, 'text')
        return { secret: open(sealed, answer, keys) }
      }
    })

    app.route({
      method: 'GET',
      url: '/request/inbox/:inbox_key/file',
      exposeHeadRoute: false,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['request'],
        summary: 'Download a file answer (once)',
        description: 'Destroys the answer, in the same statement that records its reveal, before the first byte is sent; then streams it, exactly like GET /file/{secret_key}. ' +
          'A second request gets 404, also when the first transfer broke off. An answer that is text is a 404 with the code SECRET_IS_TEXT, and it stays.',
        params: InboxParams,
        response: { 200: AnswerFileBytes, ...commonErrors(404, 429, 503) }
      },
      async handler (request, reply) {
        const inbox = parseToken(request.params.inbox_key)
        if (inbox === undefined) throw new AnswerNotFound()
        const answer = answerToken(inbox)
        const file = await takeFile(app.sql, { id: answer.id, by: who(request), gatedHash: null })
        if (file === undefined) throw await refusal(answer.id, 'file')
        await sendFile(reply, { sql: app.sql, token: answer, keys, passphraseKey: undefined, file })
        return reply
      }
    })
  }
}

export default revealAnswer
