// GET /request/inbox/:inbox_key — reveals a request's answer once, exactly like GET /secret/:secret_key.
import { Type } from '@sinclair/typebox'
import { open } from './_lib/secrets/crypto.ts'
import { AnswerNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { answerToken } from './_lib/secrets/request-store.ts'
import { commonErrors, InboxParams } from './_lib/platform/schemas.ts'
import { takeSecret } from './_lib/secrets/store.ts'
import { parseToken } from './_lib/secrets/token.ts'

const RevealAnswerReply = Type.Object({
  secret: Type.String({ description: 'The answer as the holder sent it (the web app and the CLI: a zkr1 envelope that the inbox link\'s private key opens)' })
}, { additionalProperties: false })

const revealAnswer: HttpFunction = {
  name: 'reveal-answer',
  needsDatabase: true,
  plugin: async (app, { config, keys, who }) => {
    app.route({
      method: 'GET',
      url: '/request/inbox/:inbox_key',
      // As for GET /secret: a link preview's HEAD must not burn the answer.
      exposeHeadRoute: false,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['request'],
        summary: 'Reveal the answer (once)',
        description: 'Returns the answer and destroys it in the same statement, exactly like GET /secret/{secret_key}: a second request gets 404.',
        params: InboxParams,
        response: { 200: RevealAnswerReply, ...commonErrors(404, 429, 503) }
      },
      async handler (request) {
        const inbox = parseToken(request.params.inbox_key)
        if (inbox === undefined) throw new AnswerNotFound()
        const answer = answerToken(inbox)
        const sealed = await takeSecret(app.sql, { id: answer.id, by: who(request), gatedHash: null })
        if (sealed === undefined) throw new AnswerNotFound()
        return { secret: open(sealed, answer, keys) }
      }
    })
  }
}

export default revealAnswer
