// Requests through the CLI, run as a user runs it: made, answered once, revealed once.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { assertOneLine, run } from './cli-run.ts'
import { startTestApp, type TestApp } from './helper.ts'

const REQUEST_LINK = /^(http:\/\/127\.0\.0\.1:\d+)\/ask\/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]{87})$/
const INBOX_LINK = /^(http:\/\/127\.0\.0\.1:\d+)\/inbox\/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]+)$/

async function startServer (t: TestContext): Promise<TestApp & { base: string }> {
  const testApp = await startTestApp(t)
  await testApp.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = testApp.app.server.address() as AddressInfo
  return { ...testApp, base: `http://127.0.0.1:${port}` }
}

test('burnlink request, respond and get: answered once (a second answer refused), revealed once (a second reveal refused), and no table holds the answer', async (t) => {
  const server = await startServer(t)
  const made = await run(['request', '--server', server.base, '--note', 'the VPN password', '--ttl', '1h'])
  assert.equal(made.code, 0, made.stderr)
  const [requestLink = '', inboxLink = ''] = made.stdout.toString('utf8').trim().split('\n')
  assert.match(requestLink, REQUEST_LINK)
  assert.match(inboxLink, INBOX_LINK)

  const early = await run(['get', inboxLink])
  assertOneLine(early, 3, /not answered yet/)

  const answerText = 'vpn: «correct horse» 🔑\n'
  const answered = await run(['respond', requestLink], { input: answerText })
  assert.equal(answered.code, 0, answered.stderr)
  assert.match(answered.stderr, /the request said: the VPN password/)
  assertOneLine(await run(['respond', requestLink], { input: 'another' }), 3, /already answered/)

  // What the server holds: neither the answer nor either key from the fragments.
  const [dump] = await server.app.sql<Array<{ text: string }>>`
    select coalesce((select string_agg(encode(ciphertext, 'escape'), '') from secret), '')
      || coalesce((select string_agg(encode(note, 'escape') || encode(answer_key, 'escape'), '') from secret_request), '')
      || coalesce((select string_agg(details::text, '') from audit_log), '') as text`
  assert.ok(dump !== undefined)
  assert.ok(!dump.text.includes('correct horse'))
  const publicKey = REQUEST_LINK.exec(requestLink)?.[3] ?? ''
  const privateKey = INBOX_LINK.exec(inboxLink)?.[3] ?? ''
  assert.ok(!server.logs.join('').includes(publicKey) && !server.logs.join('').includes(privateKey), 'the fragment keys never reach the server')

  const got = await run(['get', inboxLink])
  assert.equal(got.code, 0, got.stderr)
  assert.equal(got.stdout.toString('utf8'), answerText)
  assertOneLine(await run(['get', inboxLink]), 3, /already revealed/)
})

test('burnlink request --json prints the two links and the expiry; get refuses a request link and respond an inbox link', async (t) => {
  const server = await startServer(t)
  const made = await run(['request', '--server', server.base, '--json'])
  assert.equal(made.code, 0, made.stderr)
  const json = JSON.parse(made.stdout.toString('utf8')) as Record<string, string>
  assert.deepEqual(Object.keys(json), ['request_link', 'inbox_link', 'expires_at'])
  assert.match(json.request_link ?? '', REQUEST_LINK)
  assert.ok(!Number.isNaN(Date.parse(json.expires_at ?? '')))
  assertOneLine(await run(['get', json.request_link ?? '']), 2, /burnlink respond/)
  assertOneLine(await run(['respond', json.inbox_link ?? ''], { input: 'x' }), 2, /not a request link/)
})

test('burnlink respond to an expired request exits 3 with one line', async (t) => {
  const server = await startServer(t)
  const made = await run(['request', '--server', server.base])
  const [requestLink = ''] = made.stdout.toString('utf8').trim().split('\n')
  await server.app.sql`update secret_request set created_at = now() - interval '2 hours', expires_at = now() - interval '1 second'`
  assertOneLine(await run(['respond', requestLink], { input: 'late' }), 3, /not open: it expired/)
})
