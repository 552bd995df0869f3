// Requests through the CLI, run as a user runs it: made, answered once (text or a file), revealed once.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { assertOneLine, run } from './cli-run.ts'
import { databaseBytes, startTestApp, type TestApp, type TestAppOptions } from './helper.ts'

const REQUEST_LINK = /^(http:\/\/127\.0\.0\.1:\d+)\/ask\/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]{87})$/
const INBOX_LINK = /^(http:\/\/127\.0\.0\.1:\d+)\/inbox\/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]+)$/

interface Server extends TestApp { base: string, cwd: string }

async function startServer (t: TestContext, options: TestAppOptions = {}): Promise<Server> {
  const testApp = await startTestApp(t, options)
  await testApp.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = testApp.app.server.address() as AddressInfo
  return { ...testApp, base: `http://127.0.0.1:${port}`, cwd: mkdtempSync(join(tmpdir(), 'burnlink-inbox-')) }
}

/** A request made with burnlink request: its two links. */
async function makeRequest (server: Server, args: string[] = []): Promise<{ requestLink: string, inboxLink: string }> {
  const made = await run(['request', '--server', server.base, ...args])
  assert.equal(made.code, 0, made.stderr)
  const [requestLink = '', inboxLink = ''] = made.stdout.toString('utf8').trim().split('\n')
  return { requestLink, inboxLink }
}

async function inboxStatus (server: Server, inboxLink: string): Promise<{ status: string, answer_kind: string | null }> {
  const key = INBOX_LINK.exec(inboxLink)?.[2] ?? ''
  return (await server.app.inject({ method: 'GET', url: `/request/inbox/${key}/status` })).json()
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

test('respond LINK FILE answers with the file under its name: get saves the same bytes once, a second answer and a second get are refused, and no table holds the plaintext', async (t) => {
  const server = await startServer(t)
  const { requestLink, inboxLink } = await makeRequest(server, ['--note', 'the signed contract'])
  // Several zkf1 chunks, with a marker to look for in the database.
  const content = Buffer.concat([Buffer.from('ANSWER-FILE-MARKER plaintext '.repeat(20_000)), randomBytes(100_000)])
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'contract 2026.pdf')
  writeFileSync(source, content)

  const answered = await run(['respond', requestLink, source])
  assert.equal(answered.code, 0, answered.stderr)
  assert.match(answered.stderr, /the request said: the signed contract/)
  assert.match(answered.stderr, /answered with the file contract 2026\.pdf \(664\.1 KiB/)
  const status = await inboxStatus(server, inboxLink)
  assert.equal(status.status, 'answered')
  assert.equal(status.answer_kind, 'file')
  assertOneLine(await run(['respond', requestLink, source]), 3, /already answered/)
  assertOneLine(await run(['respond', requestLink], { input: 'another' }), 3, /already answered/)

  // What the server holds: the file's envelope, neither its bytes nor its name, in plain or in hex.
  const dump = (await databaseBytes(server.app.sql)).toString('latin1')
  assert.ok(dump.length > content.length, 'the answer\'s chunks are in the dump')
  assert.ok(!dump.includes('ANSWER-FILE-MARKER') && !dump.toLowerCase().includes(Buffer.from('ANSWER-FILE-MARKER').toString('hex')))
  assert.ok(!dump.includes('contract 2026'))
  const privateKey = INBOX_LINK.exec(inboxLink)?.[3] ?? ''
  assert.ok(!server.logs.join('').includes(privateKey), 'the inbox key never reaches the server')

  const got = await run(['get', inboxLink], { cwd: server.cwd })
  assert.equal(got.code, 0, got.stderr)
  assert.equal(got.stdout.length, 0, 'a file goes to disk, not to standard output')
  assert.match(got.stderr, /saved contract 2026\.pdf \(664\.1 KiB/)
  assert.ok(readFileSync(join(server.cwd, 'contract 2026.pdf')).equals(content), 'the same bytes')
  assert.deepEqual(readdirSync(server.cwd), ['contract 2026.pdf'], 'no temporary file is left behind')
  assertOneLine(await run(['get', inboxLink], { cwd: server.cwd }), 3, /already revealed/)
  assert.deepEqual(readdirSync(server.cwd), ['contract 2026.pdf'])
})

test('binary standard input answers as a file named "stdin"; get -o refuses an existing FILE before consuming it, and -o - writes the file to standard output', async (t) => {
  const server = await startServer(t)
  const { requestLink, inboxLink } = await makeRequest(server)
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41, 0x0a])
  const answered = await run(['respond', requestLink], { input: binary })
  assert.equal(answered.code, 0, answered.stderr)
  assert.match(answered.stderr, /answered with the file stdin \(6 bytes\)/)
  assert.equal((await inboxStatus(server, inboxLink)).answer_kind, 'file')

  writeFileSync(join(server.cwd, 'taken'), 'precious')
  assertOneLine(await run(['get', inboxLink, '-o', 'taken'], { cwd: server.cwd }), 7, /taken exists: not overwritten/)
  assert.equal((await inboxStatus(server, inboxLink)).status, 'answered', 'nothing was consumed')
  const piped = await run(['get', inboxLink, '-o', '-'], { cwd: server.cwd })
  assert.equal(piped.code, 0, piped.stderr)
  assert.ok(piped.stdout.equals(binary))
  assert.equal(readFileSync(join(server.cwd, 'taken'), 'utf8'), 'precious')
})

test('standard input too long for a text answer goes as a file named "stdin"; a text answer is saved with -o', async (t) => {
  const server = await startServer(t, { env: { SECRET_MAX_BYTES: '4096' } })
  const long = 'ä'.repeat(3000) // 6,000 bytes of UTF-8: valid text, over the text limit
  const first = await makeRequest(server)
  const answered = await run(['respond', first.requestLink], { input: long })
  assert.equal(answered.code, 0, answered.stderr)
  assert.match(answered.stderr, /answered with the file stdin/)
  const got = await run(['get', first.inboxLink], { cwd: server.cwd })
  assert.equal(got.code, 0, got.stderr)
  assert.equal(readFileSync(join(server.cwd, 'stdin'), 'utf8'), long)

  const second = await makeRequest(server)
  assert.equal((await run(['respond', second.requestLink], { input: 'short\n' })).code, 0)
  assert.equal((await inboxStatus(server, second.inboxLink)).answer_kind, 'text')
  const saved = await run(['get', second.inboxLink, '-o', 'answer.txt'], { cwd: server.cwd })
  assert.equal(saved.code, 0, saved.stderr)
  assert.equal(readFileSync(join(server.cwd, 'answer.txt'), 'utf8'), 'short\n')
})

test('a file over FILE_MAX_BYTES is refused before upload with a message naming the limit, and the request stays open', async (t) => {
  const server = await startServer(t, { env: { FILE_MAX_BYTES: '100000' } })
  const { requestLink, inboxLink } = await makeRequest(server)
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'big.bin')
  writeFileSync(source, randomBytes(100_000))
  assertOneLine(await run(['respond', requestLink, source]), 5, /big\.bin is too large: .* the server takes files up to 97\.7 KiB \(100,000 bytes\) \(FILE_MAX_BYTES\)/)
  assertOneLine(await run(['respond', requestLink, join(tmpdir(), 'no-such-file-here')]), 1, /cannot read .*: no such file/)
  assert.equal((await inboxStatus(server, inboxLink)).status, 'open')
})

test('while another file answer is uploading, respond exits 1 with one line; once that upload breaks off, the request is open again', async (t) => {
  const server = await startServer(t)
  const { requestLink, inboxLink } = await makeRequest(server)
  const [, base = '', requestKey = ''] = REQUEST_LINK.exec(requestLink) ?? []
  // Another holder's upload, opened (the server said 100 Continue) and left half-sent.
  const other = httpRequest(`${base}/request/${requestKey}/answer`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': '100000', expect: '100-continue' }
  })
  other.on('error', () => {})
  await once(other, 'continue')
  other.write(Buffer.alloc(1000))
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'mine.txt')
  writeFileSync(source, 'my answer')
  assertOneLine(await run(['respond', requestLink, source]), 1, /another answer to this request is being uploaded right now: .*try again later/)
  other.destroy()
  await waitFor(async () => (await server.app.sql`select from file_transfer`).length === 0)
  const answered = await run(['respond', requestLink, source])
  assert.equal(answered.code, 0, answered.stderr)
  assert.equal((await inboxStatus(server, inboxLink)).answer_kind, 'file')
})

test('a file answer over the holder\'s storage quota names the quota, not too many attempts', async (t) => {
  const server = await startServer(t, { env: { SECRET_MAX_BYTES: '4096', STORAGE_QUOTA_BYTES_PER_CLIENT: '10000', RATE_LIMIT_CREATE_PER_MINUTE: '0' } })
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'half.bin')
  writeFileSync(source, randomBytes(6000))
  const first = await makeRequest(server)
  assert.equal((await run(['respond', first.requestLink, source])).code, 0)
  const second = await makeRequest(server)
  assertOneLine(await run(['respond', second.requestLink, source]), 1, /this address has stored as many bytes as the server allows for now \(its storage quota\): try again in \d+ min/)
  assert.equal((await inboxStatus(server, second.inboxLink)).status, 'open')
})

/** Polls until check() is true: the server ends a broken-off upload when it notices. */
async function waitFor (check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.fail('timed out')
}
