// A creator's own page through the API: only the owner sees and deletes a secret by its ref, and
// signed-in users manage their own tokens; a session's state-changing requests need its CSRF token.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openSession } from '../functions/_lib/accounts/sessions.ts'
import { purgeExpired } from '../functions/purge-expired.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { startTestApp } from './helper.ts'

async function signedIn (app: App, email: string): Promise<{ cookie: string, csrf: string }> {
  const [account] = await app.sql<Array<{ id: string }>>`
    insert into account (issuer, subject, email) values ('https://idp.test', ${email}, ${email}) returning id::text`
  if (account === undefined) throw new Error('no account')
  const session = await openSession(app.sql, account.id, 600)
  return { cookie: `burnlink_session=${session.id}`, csrf: session.csrfToken }
}

const as = (who: { cookie: string, csrf: string }) => ({ cookie: who.cookie, 'x-csrf-token': who.csrf })

test('only its creator sees a secret in their history and deletes it by ref, without its key', async (t) => {
  const { app } = await startTestApp(t, { env: { CREATORS: 'signed-in', PUBLIC_URL: 'http://burnlink.test' } })
  const alice = await signedIn(app, 'alice@example.com')
  const bob = await signedIn(app, 'bob@example.com')
  const created = await app.inject({ method: 'POST', url: '/secret', headers: as(alice), payload: { secret: 'alice only' } })
  assert.equal(created.statusCode, 201, created.body)

  const mine = (await app.inject({ method: 'GET', url: '/account/secrets', headers: as(alice) })).json<{ secrets: Array<{ ref: string, status: string }> }>().secrets
  assert.equal(mine.length, 1)
  assert.equal(mine[0]?.status, 'waiting')
  const ref = mine[0]?.ref ?? ''
  assert.deepEqual((await app.inject({ method: 'GET', url: '/account/secrets', headers: as(bob) })).json(), { secrets: [] })
  assert.equal((await app.inject({ method: 'GET', url: '/account/secrets' })).statusCode, 401)

  assert.equal((await app.inject({ method: 'DELETE', url: `/account/secrets/${ref}`, headers: as(bob) })).statusCode, 404, 'not bob\'s to delete')
  assert.equal((await app.inject({ method: 'DELETE', url: `/account/secrets/${ref}`, headers: { cookie: alice.cookie } })).statusCode, 403, 'no CSRF token, no delete')
  assert.equal((await app.inject({ method: 'DELETE', url: `/account/secrets/${ref}`, headers: as(alice) })).statusCode, 204)
  assert.equal((await app.sql`select from secret`).length, 0)
  const after = (await app.inject({ method: 'GET', url: '/account/secrets', headers: as(alice) })).json<{ secrets: Array<{ status: string }> }>().secrets
  assert.equal(after[0]?.status, 'deleted')
  assert.equal((await app.inject({ method: 'DELETE', url: `/account/secrets/${ref}`, headers: as(alice) })).statusCode, 404, 'gone is gone')
})

test('a signed-in user creates an API token shown once, creates with it, and revoking it refuses it at once', async (t) => {
  const { app } = await startTestApp(t, { env: { CREATORS: 'signed-in', PUBLIC_URL: 'http://burnlink.test' } })
  const alice = await signedIn(app, 'alice@example.com')
  const res = await app.inject({ method: 'POST', url: '/account/tokens', headers: as(alice), payload: { name: 'laptop' } })
  assert.equal(res.statusCode, 201, res.body)
  const { token } = res.json<{ token: string }>()
  const made = await app.inject({ method: 'POST', url: '/secret', headers: { authorization: `Bearer ${token}` }, payload: { secret: 'by token' } })
  assert.equal(made.statusCode, 201)
  const history = (await app.inject({ method: 'GET', url: '/account/secrets', headers: as(alice) })).json<{ secrets: unknown[] }>().secrets
  assert.equal(history.length, 1, 'a create with a user\'s token is in that user\'s history')
  const listed = (await app.inject({ method: 'GET', url: '/account/tokens', headers: as(alice) })).json<{ tokens: Array<{ name: string, last_used_at: string | null }> }>().tokens
  assert.equal(listed[0]?.name, 'laptop')
  assert.notEqual(listed[0]?.last_used_at, null)
  assert.ok(!JSON.stringify(listed).includes(token), 'the list never shows the token again')
  assert.equal((await app.inject({ method: 'POST', url: '/account/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'minted' } })).statusCode, 401, 'a token cannot mint tokens')
  assert.equal((await app.inject({ method: 'DELETE', url: '/account/tokens/laptop', headers: as(alice) })).statusCode, 204)
  assert.equal((await app.inject({ method: 'POST', url: '/secret', headers: { authorization: `Bearer ${token}` }, payload: { secret: 'x' } })).statusCode, 401)
})

test('AUDIT_ACCOUNT_EMAIL=true writes the creator\'s email beside the account id', async (t) => {
  const { app } = await startTestApp(t, { env: { AUDIT_ACCOUNT_EMAIL: 'true', PUBLIC_URL: 'http://burnlink.test' } })
  const alice = await signedIn(app, 'alice@example.com')
  await app.inject({ method: 'POST', url: '/secret', headers: as(alice), payload: { secret: 'x' } })
  const [row] = await app.sql<Array<{ account_id: string | null, email: string | null }>>`select account_id::text, details->>'account_email' as email from audit_log`
  assert.notEqual(row?.account_id, null)
  assert.equal(row?.email, 'alice@example.com')
})

test('with CREATORS=signed-in creating a request needs an account and its audit row names it; answering one never does', async (t) => {
  const { app } = await startTestApp(t, { env: { CREATORS: 'signed-in', PUBLIC_URL: 'http://burnlink.test', AUDIT_ACCOUNT_EMAIL: 'false' } })
  const anonymous = await app.inject({ method: 'POST', url: '/request', payload: { note: 'the vpn password' } })
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.json<{ code: string }>().code, 'AUTH_REQUIRED')
  const alice = await signedIn(app, 'alice@example.com')
  assert.equal((await app.inject({ method: 'POST', url: '/request', headers: { cookie: alice.cookie }, payload: {} })).statusCode, 403, 'no CSRF token, no request')

  const created = await app.inject({ method: 'POST', url: '/request', headers: as(alice), payload: { note: 'the vpn password' } })
  assert.equal(created.statusCode, 201, created.body)
  const { request_key: requestKey } = created.json<{ request_key: string }>()
  const [row] = await app.sql<Array<{ account_id: string, email: string, details: Record<string, unknown> }>>`
    select l.account_id::text, a.email, l.details from audit_log l join account a on a.id = l.account_id where l.event = 'request_created'`
  assert.equal(row?.email, 'alice@example.com', 'the audit row names the account')
  assert.equal(row?.details.account_email, undefined, 'by its id only, unless the operator asks for the email')

  // Whoever holds the request link answers without any account: the link is the capability.
  const answered = await app.inject({ method: 'POST', url: `/request/${requestKey}/answer`, payload: { secret: 'hunter2' } })
  assert.equal(answered.statusCode, 201, answered.body)
})

test('a signed-in user\'s requests are in their history as kind request, open then answered, and not deletable there; nobody else\'s are', async (t) => {
  const { app } = await startTestApp(t, { env: { CREATORS: 'signed-in', PUBLIC_URL: 'http://burnlink.test' } })
  const alice = await signedIn(app, 'alice@example.com')
  const bob = await signedIn(app, 'bob@example.com')
  const created = await app.inject({ method: 'POST', url: '/request', headers: as(alice), payload: { note: 'the vpn password' } })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal((await app.inject({ method: 'POST', url: '/request', headers: as(bob), payload: {} })).statusCode, 201)
  type Mine = Array<{ ref: string, kind: string, status: string, answered_at: string | null }>
  const history = async (who: { cookie: string, csrf: string }): Promise<Mine> =>
    (await app.inject({ method: 'GET', url: '/account/secrets', headers: as(who) })).json<{ secrets: Mine }>().secrets

  const mine = await history(alice)
  assert.equal(mine.length, 1, 'only alice\'s request, not bob\'s')
  assert.equal(mine[0]?.kind, 'request')
  assert.equal(mine[0]?.status, 'open')
  assert.equal(mine[0]?.answered_at, null)
  const [own] = await app.sql<Array<{ ref: string }>>`select secret_ref as ref from audit_log where event = 'request_created' and account_id = (select id from account where email = 'alice@example.com')`
  assert.equal(mine[0]?.ref, own?.ref)

  const { request_key: requestKey } = created.json<{ request_key: string }>()
  assert.equal((await app.inject({ method: 'POST', url: `/request/${requestKey}/answer`, payload: { secret: 'hunter2' } })).statusCode, 201)
  const after = await history(alice)
  assert.equal(after[0]?.status, 'answered')
  assert.notEqual(after[0]?.answered_at, null)
  assert.equal((await app.inject({ method: 'DELETE', url: `/account/secrets/${after[0]?.ref ?? ''}`, headers: as(alice) })).statusCode, 404, 'a request is not deleted from the history')
  assert.equal((await history(bob)).filter((s) => s.ref === own?.ref).length, 0)

  // Revealed from the inbox, it says so; a request left to lapse unanswered says expired.
  const { inbox_key: inboxKey } = created.json<{ inbox_key: string }>()
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${inboxKey}` })).statusCode, 200)
  assert.equal((await history(alice)).find((s) => s.ref === own?.ref)?.status, 'revealed')
  const lapsing = await app.inject({ method: 'POST', url: '/request', headers: as(alice), payload: { ttl_seconds: 3600 } })
  assert.equal(lapsing.statusCode, 201)
  const statusOf = async (ref: string | undefined): Promise<string | undefined> => (await history(alice)).find((s) => s.ref === ref)?.status
  const [lapsingRef] = await app.sql<Array<{ ref: string }>>`select secret_ref as ref from audit_log where event = 'request_created' and secret_ref <> ${own?.ref ?? ''} and account_id = (select id from account where email = 'alice@example.com')`
  assert.equal(await statusOf(lapsingRef?.ref), 'open')
  await app.sql`update secret_request set expires_at = created_at + interval '1 millisecond' where ref = ${lapsingRef?.ref ?? ''}`
  await purgeExpired(app.sql, 100)
  assert.equal(await statusOf(lapsingRef?.ref), 'expired', 'from its request_expired row')
  assert.equal(await statusOf(own?.ref), 'revealed')
})

test('the purge job deletes expired sessions and keeps live ones', async (t) => {
  const { app } = await startTestApp(t, { env: { PUBLIC_URL: 'http://burnlink.test' } })
  const alice = await signedIn(app, 'alice@example.com')
  await signedIn(app, 'bob@example.com')
  await app.sql`update account_session set expires_at = now() - interval '1 second' where account_id = (select id from account where email = 'bob@example.com')`
  await purgeExpired(app.sql, 100)
  const left = await app.sql<Array<{ email: string }>>`select a.email from account_session s join account a on a.id = s.account_id`
  assert.deepEqual(left.map((row) => row.email), ['alice@example.com'])
  assert.equal((await app.inject({ method: 'GET', url: '/account/me', headers: { cookie: alice.cookie } })).json<{ signed_in: boolean }>().signed_in, true)
})
