// GET /file/:secret_key — streams a file's bytes exactly once; it is consumed before the first byte.
import { Type } from '@sinclair/typebox'
import { SecretNotFound } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { sendFile } from './_lib/secrets/file-http.ts'
import { guardPassphrase } from './_lib/secrets/passphrase-guard.ts'
import { perMinute } from './_lib/platform/rate-limit.ts'
import { requestPassphrase } from './_lib/secrets/request-passphrase.ts'
import { commonErrors, SecretKeyParams } from './_lib/platform/schemas.ts'
import { takeFile } from './_lib/secrets/file-statements.ts'
import { parseToken } from './_lib/secrets/token.ts'

const route = { method: 'GET', url: '/file/:secret_key' } as const

const ReadFileHeaders = Type.Object({
  'x-passphrase': Type.Optional(Type.String({ description: 'Only for files stored with reveal_requires_passphrase (UTF-8); ignored otherwise' }))
})
const FileBytes = {
  description: 'The file\'s bytes exactly as they were uploaded (the client\'s ciphertext), with Content-Length and Content-Disposition: attachment',
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary', examples: ['<binary>'] } } }
}

const readFile: HttpFunction = {
  name: 'read-file',
  needsDatabase: true,
  plugin: async (app, { config, keys, hashPool, who }) => {
    const guard = { sql: app.sql, hashPool, limits: config.passphraseThrottle, action: 'reveal', kind: 'file' } as const
    app.route({
      ...route,
      // Fastify would answer HEAD by running this handler: a link preview's HEAD would burn the file.
      exposeHeadRoute: false,
      config: { rateLimit: perMinute(config.rateLimit.read) },
      schema: {
        tags: ['file'],
        summary: 'Download a file (once)',
        description: 'Destroys the file, in the same database statement that records its reveal, before the first byte is sent; then streams it. ' +
          'A second request, even a concurrent one, gets 404 — also when the first transfer broke off. ' +
          'A file stored with reveal_requires_passphrase needs X-Passphrase; a wrong one is a 403 and leaves the file in place. ' +
          'A key that holds text is a 404 with the code SECRET_IS_TEXT, and the text stays.',
        params: SecretKeyParams,
        headers: ReadFileHeaders,
        response: { 200: FileBytes, ...commonErrors(400, 403, 404, 429, 503) }
      },
      async handler (request, reply) {
        const token = parseToken(request.params.secret_key) // malformed → the same 404, no query
        if (token === undefined) throw new SecretNotFound()
        const by = who(request)
        let file = await takeFile(app.sql, { id: token.id, by, gatedHash: null })
        let passphraseKey: Buffer | undefined
        if (file === undefined) {
          // Nothing ungated here: maybe a gated file, whose passphrase is checked before it is taken.
          const passphrase = requestPassphrase(request, undefined)
          const guarded = await guardPassphrase(guard, token, by, passphrase)
          if (!guarded.reveal_requires_passphrase || guarded.passphrase_hash === null || guarded.passphraseKey === undefined) throw new SecretNotFound()
          file = await takeFile(app.sql, { id: token.id, by, gatedHash: guarded.passphrase_hash })
          if (file === undefined) throw new SecretNotFound()
          passphraseKey = guarded.passphraseKey.key
        }

        await sendFile(reply, { sql: app.sql, token, keys, passphraseKey, file })
        return reply
      }
    })
  }
}

export default readFile
