// Signing in through a real OpenID provider (oidc-provider, in this process) in Chromium: the
// history of what one created, sign-out, the identities refused, and a cross-site form refused.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import Provider from 'oidc-provider'
import type { Page } from 'playwright-core'
import { launchBrowser, SKIP_WITHOUT_CHROMIUM } from './browser.ts'
import { onCleanup, startTestApp, type TestApp } from '../helper.ts'

/** The provider's people: login name → the claims it vouches for. */
const PEOPLE: Record<string, { email: string, email_verified: boolean }> = {
  alice: { email: 'alice@example.com', email_verified: true },
  mallory: { email: 'mallory@example.com', email_verified: false },
  olga: { email: 'olga@elsewhere.test', email_verified: true }
}

async function listening (t: TestContext, server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(t, async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return (server.address() as AddressInfo).port
}

async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

interface Setup { web: TestApp, base: string }

async function setUp (t: TestContext, env: Record<string, string> = {}): Promise<Setup> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const issuerServer = createServer()
  const issuerPort = await listening(t, issuerServer)
  const issuer = `http://127.0.0.1:${issuerPort}`
  const provider = new Provider(issuer, {
    clients: [{ client_id: 'burnlink', client_secret: 'provider-test-secret', redirect_uris: [`${base}/account/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['provider-test-cookie-key'] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, ...(PEOPLE[id] ?? { email: `${id}@example.com`, email_verified: false }) }) })
  })
  issuerServer.on('request', provider.callback())
  const web = await startTestApp(t, {
    env: {
      CREATORS: 'signed-in',
      PUBLIC_URL: base,
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'burnlink',
      OIDC_CLIENT_SECRET: 'provider-test-secret',
      OIDC_ALLOWED_EMAIL_DOMAINS: 'example.com',
      ...env
    }
  })
  await web.app.listen({ port, host: '127.0.0.1' })
  return { web, base }
}

async function signIn (page: Page, base: string, login: string): Promise<void> {
  await page.goto(`${base}/account/sign-in`)
  await page.locator('input[name="login"]').fill(login)
  await page.locator('input[name="password"]').fill('any')
  await page.getByRole('button', { name: 'Sign-in' }).click()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL((url) => url.origin === base)
}

test('a user signs in through the OpenID provider, creates, sees it in their history, and signs out', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const { web, base } = await setUp(t)
  const browser = await launchBrowser(t)
  const context = await browser.newContext()
  const page = await context.newPage()

  await page.goto(`${base}/`)
  await page.locator('#account-line').getByText('sign in first').waitFor()
  await signIn(page, base, 'alice')
  await page.locator('#account-email').getByText('Signed in as alice@example.com').waitFor()
  const cookies = await context.cookies(base)
  const session = cookies.find((c) => c.name === 'burnlink_session')
  assert.ok(session, 'the session cookie is set')
  assert.equal(session.httpOnly, true)
  assert.equal(session.sameSite, 'Lax')

  await page.goto(`${base}/`)
  await page.locator('#account-line').getByText('Signed in as alice@example.com').waitFor()
  await page.locator('#ttl option').first().waitFor({ state: 'attached' })
  await page.locator('#secret').fill('made while signed in')
  await page.getByRole('button', { name: 'Create link' }).click()
  await page.locator('#result-view').waitFor()
  const link = await page.locator('#link').inputValue()
  const [created] = await web.app.sql<Array<{ account_id: string | null, details: Record<string, unknown> }>>`select account_id::text, details from audit_log where event = 'created'`
  const [account] = await web.app.sql<Array<{ id: string }>>`select id::text from account where email = 'alice@example.com'`
  assert.equal(created?.account_id, account?.id, 'the audit row names the account by its id')
  assert.ok(!JSON.stringify(created).includes('alice@'), 'and not by its email')

  await page.goto(`${base}/account/`)
  await page.locator('#account-secrets li[data-status="waiting"]').waitFor()

  // Anyone with the link reads it, signed in or not: a fresh browser.
  const stranger = await browser.newPage()
  await stranger.goto(link)
  await stranger.getByRole('button', { name: 'Reveal the secret' }).click()
  await stranger.locator('#secret-view').waitFor()
  assert.equal(await stranger.locator('#secret-text').inputValue(), 'made while signed in')
  await page.reload()
  await page.locator('#account-secrets li[data-status="revealed"]').getByText(/^Read /).waitFor()

  // A signed-in request without the page's CSRF token, or from another origin, is refused.
  const cookie = `burnlink_session=${session.value}`
  const noToken = await fetch(`${base}/secret`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{"secret":"x"}' })
  assert.equal(noToken.status, 403)
  assert.equal((await noToken.json() as { code: string }).code, 'AUTH_CSRF')
  const me = await (await fetch(`${base}/account/me`, { headers: { cookie } })).json() as { csrf_token: string }
  const crossOrigin = await fetch(`${base}/secret`, { method: 'POST', headers: { cookie, origin: 'http://localhost:1', 'x-csrf-token': me.csrf_token, 'content-type': 'application/json' }, body: '{"secret":"x"}' })
  assert.equal(crossOrigin.status, 403)

  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.waitForURL(`${base}/`)
  assert.equal((await web.app.sql`select from account_session`).length, 0, 'sign-out deletes the session')
  const replayed = await fetch(`${base}/account/secrets`, { headers: { cookie } })
  assert.equal(replayed.status, 401, 'the old cookie is worth nothing')
  await page.goto(`${base}/account/`)
  await page.locator('#account-out').waitFor()
})

test('an unverified email and a domain that is not allowed are refused, and no session is opened', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const { web, base } = await setUp(t)
  const browser = await launchBrowser(t)
  for (const [login, reason] of [['mallory', /not verified/], ['olga', /elsewhere\.test may not sign in/]] as const) {
    const page = await browser.newPage()
    await signIn(page, base, login)
    const body = await page.locator('body').innerText()
    assert.match(body, /AUTH_SIGN_IN_REFUSED/)
    assert.match(body, reason)
  }
  assert.equal((await web.app.sql`select from account_session`).length, 0)
  assert.equal((await web.app.sql`select from account`).length, 0)
})

test('a form on another site that posts to /secret with the user signed in creates nothing', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const { web, base } = await setUp(t)
  const browser = await launchBrowser(t)
  const context = await browser.newContext()
  const page = await context.newPage()
  await signIn(page, base, 'alice')
  await page.locator('#account-email').waitFor()

  // localhost is another site than 127.0.0.1. The body is the classic JSON-in-text/plain trick.
  const evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(`<form method="POST" action="${base}/secret" enctype="text/plain"><input name='{"secret":"planted","x":"' value='"}'></form>` +
      '<script>document.forms[0].submit()</script>')
  })
  const evilPort = await listening(t, evil)
  const answered = page.waitForResponse(`${base}/secret`)
  await page.goto(`http://localhost:${evilPort}/`)
  const response = await answered
  assert.ok(response.status() >= 400, `refused (${response.status()})`)
  assert.equal((await web.app.sql`select from secret`).length, 0)
  assert.equal((await web.app.sql`select from audit_log where event = 'created'`).length, 0)
})
