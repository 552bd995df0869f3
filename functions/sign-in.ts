// /account/sign-in, /account/callback, /account/sign-out, /account/me: OpenID Connect sign-in
// and the browser session it opens.
import { Type } from '@sinclair/typebox'
import { sessionOf } from './_lib/accounts/creator.ts'
import { oidcSignIn, type FlowState } from './_lib/accounts/oidc.ts'
import { closeSession, openSession, readCookie, sessionCookie, sessionCookieName } from './_lib/accounts/sessions.ts'
import { RouteNotFound, SignInRefused } from './_lib/platform/errors.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { commonErrors } from './_lib/platform/schemas.ts'

const FLOW_COOKIE = 'burnlink_oidc_flow'
const FLOW_SECONDS = 600

const Me = Type.Object({
  signed_in: Type.Boolean(),
  email: Type.Optional(Type.String()),
  csrf_token: Type.Optional(Type.String({ description: 'Send back as X-CSRF-Token with every state-changing request of this session' })),
  sign_in_available: Type.Boolean({ description: 'OpenID Connect sign-in is configured' }),
  creators: Type.Union([Type.Literal('anyone'), Type.Literal('signed-in')])
}, { additionalProperties: false })

const signIn: HttpFunction = {
  name: 'sign-in',
  needsDatabase: true,
  plugin: async (app, { config }) => {
    const accounts = config.accounts
    const oidc = accounts.oidc
    const flow = oidc === undefined ? undefined : oidcSignIn(oidc)
    const secure = accounts.publicUrl?.startsWith('http://') === true ? '' : '; Secure'
    const redirectUri = `${accounts.publicUrl ?? ''}/account/callback`

    app.get('/account/me', { schema: { tags: ['account'], summary: 'Who is signed in in this browser', response: { 200: Me } } }, async (request) => {
      const session = await sessionOf(request, accounts)
      return {
        signed_in: session !== undefined,
        ...(session === undefined ? {} : { email: session.email, csrf_token: session.csrf_token }),
        sign_in_available: flow !== undefined,
        creators: accounts.creators
      }
    })

    app.get('/account/sign-in', { schema: { tags: ['account'], summary: 'Start signing in (a redirect to the OpenID provider)', response: commonErrors(404) } }, async (_request, reply) => {
      if (flow === undefined) throw new RouteNotFound()
      const started = await flow.start(redirectUri)
      const value = Buffer.from(JSON.stringify(started.flow)).toString('base64url')
      // Lax: the provider sends the browser back with a top-level GET, which carries it.
      void reply.header('set-cookie', `${FLOW_COOKIE}=${value}; Path=/account/callback; HttpOnly; SameSite=Lax; Max-Age=${FLOW_SECONDS}${secure}`)
      return await reply.redirect(started.url.href, 303)
    })

    app.get('/account/callback', { schema: { tags: ['account'], summary: 'Where the OpenID provider sends the browser back', response: commonErrors(403, 404) } }, async (request, reply) => {
      if (flow === undefined) throw new RouteNotFound()
      const state = parseFlow(readCookie(request.headers.cookie, FLOW_COOKIE))
      if (state === undefined) throw new SignInRefused('This sign-in has expired or was started in another browser: start again')
      let identity
      try {
        identity = await flow.finish(new URL(request.url, accounts.publicUrl), state)
      } catch (err) {
        if (err instanceof SignInRefused) throw err
        request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'sign-in failed')
        throw new SignInRefused('The sign-in could not be completed: start again')
      }
      const [account] = await app.sql<Array<{ id: string }>>`
        insert into account (issuer, subject, email)
        values (${identity.issuer}, ${identity.subject}, ${identity.email})
        on conflict (issuer, subject) do update
        set email = excluded.email,
            last_seen_at = now()
        returning id::text as id`
      if (account === undefined) throw new Error('the account upsert returned no row')
      const session = await openSession(app.sql, account.id, accounts.sessionTtlSeconds)
      void reply.header('set-cookie', [
        sessionCookie(accounts.publicUrl, session.id, accounts.sessionTtlSeconds),
        `${FLOW_COOKIE}=; Path=/account/callback; HttpOnly; SameSite=Lax; Max-Age=0${secure}`
      ])
      return await reply.redirect('/account/', 303)
    })

    app.post('/account/sign-out', { schema: { tags: ['account'], summary: 'Sign this browser out', response: { 204: Type.Null(), ...commonErrors(403) } } }, async (request, reply) => {
      const id = readCookie(request.headers.cookie, sessionCookieName(accounts.publicUrl))
      // sessionOf applies the CSRF rule: another site cannot sign a user out either.
      if (id !== undefined && await sessionOf(request, accounts) !== undefined) await closeSession(app.sql, id)
      void reply.header('set-cookie', sessionCookie(accounts.publicUrl, '', 0))
      reply.code(204)
      return null
    })
  }
}

function parseFlow (value: string | undefined): FlowState | undefined {
  if (value === undefined) return undefined
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<FlowState>
    if (typeof parsed.state !== 'string' || typeof parsed.nonce !== 'string' || typeof parsed.verifier !== 'string') return undefined
    return { state: parsed.state, nonce: parsed.nonce, verifier: parsed.verifier }
  } catch {
    return undefined
  }
}

export default signIn
