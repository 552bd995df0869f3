// DELETE /secret/:secret_key — destroys a secret unread; needs its passphrase if it has one.
import { Type, type Static } from '@sinclair/typebox'
import { auditContext, type AuditContext } from './_lib/audit.ts'
import type { Sql } from './_lib/db.ts'
import { PassphraseRequired, PassphraseWrong, SecretNotFound } from './_lib/errors.ts'
import type { HttpFunction } from './_lib/http-function.ts'
import { verifyPassphrase } from './_lib/passphrase.ts'
import { requestPassphrase } from './_lib/request-passphrase.ts'
import { commonErrors, SecretKeyParams } from './_lib/schemas.ts'
import { Passphrase } from './_lib/text.ts'
import { parseToken, type Token } from './_lib/token.ts'

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
  plugin: async (app, { hashPool }) => {
    app.route({
      ...route,
      schema: {
        tags: ['secret'],
        summary: 'Delete a secret unread',
        description: 'Destroys the secret. If it was created with a passphrase, the request must carry it; a missing or wrong passphrase leaves the secret readable.',
        params: SecretKeyParams,
        headers: DeleteSecretHeaders,
        body: DeleteSecretBody,
        response: { 200: DeleteSecretReply, ...commonErrors(400, 403, 404, 413, 415, 503) }
      },
      // Most DELETEs carry no body at all: validate that as an empty object.
      preValidation: async (request) => { request.body ??= {} },
      async handler (request) {
        const body: Static<typeof DeleteSecretBody> = request.body
        const passphrase = requestPassphrase(request, body.passphrase)
        const token = parseToken(request.params.secret_key)
        if (token === undefined) throw new SecretNotFound()
        const who = auditContext(request)

        const [found] = await app.sql<{ passphrase_hash: string | null }[]>`
          select passphrase_hash
          from secret
          where id = ${token.id}
            and expires_at > now()`
        if (found === undefined) throw new SecretNotFound()
        if (found.passphrase_hash !== null) {
          const verdict = passphrase === undefined ? 'missing' : (await verifyPassphrase(hashPool, found.passphrase_hash, passphrase)) ? 'ok' : 'wrong'
          if (verdict !== 'ok') {
            await recordDenial(app.sql, token, who, verdict)
            throw verdict === 'missing' ? new PassphraseRequired() : new PassphraseWrong()
          }
        }
        // The hash in the condition makes the verified passphrase count only for the row it was
        // checked against; a concurrent reveal in between makes this a 404.
        const [deleted] = await app.sql<{ ref: string }[]>`
          with taken as (
            delete from secret
            where id = ${token.id}
              and expires_at > now()
              and passphrase_hash is not distinct from ${found.passphrase_hash}
            returning ref, passphrase_hash is not null as had_passphrase
          ), logged as (
            insert into audit_log (event, secret_ref, client_ip, user_agent, request_id, details)
            select 'deleted', ref, ${who.client_ip}, ${who.user_agent}, ${who.request_id}, jsonb_build_object('passphrase', had_passphrase)
            from taken
          )
          select ref from taken`
        if (deleted === undefined) throw new SecretNotFound()
        return { status: 'secret_deleted' as const }
      }
    })
  }
}

async function recordDenial (sql: Sql, token: Token, who: AuditContext, reason: 'missing' | 'wrong'): Promise<void> {
  await sql`
    insert into audit_log (event, secret_ref, client_ip, user_agent, request_id, details)
    values ('delete_denied', ${token.ref}, ${who.client_ip}, ${who.user_agent}, ${who.request_id}, ${sql.json({ reason })})`
}

export default deleteSecret
