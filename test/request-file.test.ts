// Requests answered with a file, over real sockets: streamed in once, downloaded once from the
// inbox, refused as a file does (too large, too much for the quota), and never two answers.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { purgeChunks } from '../functions/purge-expired.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { bytes, downloadFrom, listen, MiB, sha256, stored, upload, type Reply } from './file-http.ts'
import { auditRows, databaseBytes, startTestApp } from './helper.ts'

interface CreatedRequest { request_key: string, inbox_key: string, expires_at: string }

async function createRequest (app: App, body: Record<string, unknown> = {}): Promise<CreatedRequest> {
  const res = await app.inject({ method: 'POST', url: '/request', payload: body })
  assert.equal(res.statusCode, 201, res.body)
  return res.json<CreatedRequest>()
}

async function answerWithFile (origin: string, requestKey: string, size: number, seed = 1, headers: Record<string, string> = {}): Promise<Reply> {
  return await upload(origin, bytes(size, seed), size, { path: `/request/${requestKey}/answer`, headers: { expect: '100-continue', ...headers } })
}

async function inboxStatus (app: App, inboxKey: string): Promise<Record<string, unknown>> {
  return (await app.inject({ method: 'GET', url: `/request/inbox/${inboxKey}/status` })).json<Record<string, unknown>>()
}

async function until (condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the condition never held')
}

const code = (reply: Reply): string => (JSON.parse(reply.body) as { code: string }).code

test('a file answer streams in once, the inbox says a file waits, and downloads it once, byte for byte', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const created = await createRequest(app, { note: 'the signing key, please' })
  const size = 3 * MiB + 4321
  const expected = await sha256(bytes(size))
  assert.deepEqual((await inboxStatus(app, created.inbox_key)).answer_kind, null, 'no answer yet')

  const answered = await answerWithFile(origin, created.request_key, size)
  assert.equal(answered.status, 201, answered.body)
  assert.equal(answered.continued, true, 'the body was asked for after the checks')
  assert.equal((JSON.parse(answered.body) as { status: string }).status, 'answered')
  assert.deepEqual({ ...await inboxStatus(app, created.inbox_key), expires_at: undefined, answered_at: undefined },
    { status: 'answered', answer_kind: 'file', expires_at: undefined, answered_at: undefined })
  assert.equal((await app.inject({ method: 'GET', url: `/request/${created.request_key}` })).json().status, 'answered')

  // What the database holds of it is the server's ciphertext: no run of the uploaded bytes.
  const dump = await databaseBytes(app.sql)
  const uploaded: Buffer[] = []
  for await (const piece of bytes(size)) uploaded.push(piece as Buffer)
  const plain = Buffer.concat(uploaded)
  for (const at of [0, MiB, size - 64]) {
    const run = plain.subarray(at, at + 64)
    assert.ok(!dump.includes(run) && !dump.includes(run.toString('hex')), `the bytes at ${at} are not stored as sent`)
  }

  // A second answer, text or file, is refused; the file one before its body is asked for.
  const text = await app.inject({ method: 'POST', url: `/request/${created.request_key}/answer`, payload: { secret: 'zkr1:late' } })
  assert.equal(text.statusCode, 409)
  assert.equal(text.json().code, 'REQUEST_ALREADY_ANSWERED')
  const file = await answerWithFile(origin, created.request_key, MiB, 2)
  assert.equal(file.status, 409, file.body)
  assert.equal(code(file), 'REQUEST_ALREADY_ANSWERED')
  assert.equal(file.continued, false)

  // The text reveal says it is a file and takes nothing; the file route downloads it once.
  const asText = await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })
  assert.equal(asText.statusCode, 404)
  assert.equal(asText.json().code, 'SECRET_IS_FILE')
  const fetched = await downloadFrom(origin, `/request/inbox/${created.inbox_key}/file`)
  assert.equal(fetched.status, 200, fetched.text)
  assert.deepEqual({ hex: fetched.hex, length: fetched.length }, expected)
  assert.equal(fetched.headers['content-length'], String(size))
  assert.equal(fetched.headers['content-disposition'], 'attachment')
  assert.equal(fetched.headers['cache-control'], 'no-cache, no-store, must-revalidate')
  const again = await downloadFrom(origin, `/request/inbox/${created.inbox_key}/file`)
  assert.equal(again.status, 404)
  assert.equal((JSON.parse(again.text) as { code: string }).code, 'SECRET_NOT_FOUND')
  assert.deepEqual([(await inboxStatus(app, created.inbox_key)).status, (await inboxStatus(app, created.inbox_key)).answer_kind], ['revealed', 'file'])
  await until(async () => (await stored(app)).transfers === 0)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })

  const rows = await auditRows(app)
  assert.deepEqual(rows.map((row) => row.event), ['request_created', 'request_answered', 'revealed'])
  assert.equal(rows[1]?.details.kind, 'file')
  assert.ok(Number(rows[1]?.details.size_bucket_bytes) >= size, 'the padded size, never the exact one')
  assert.equal(new Set(rows.map((row) => row.secret_ref)).size, 1)
})

test('a text answer is not downloaded as a file (SECRET_IS_TEXT, and it stays), and the request key downloads nothing', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const created = await createRequest(app)
  const answered = await answerWithFile(origin, created.inbox_key, MiB)
  assert.equal(answered.status, 404, 'the inbox key cannot answer with a file either')
  assert.equal((await app.inject({ method: 'POST', url: `/request/${created.request_key}/answer`, payload: { secret: 'zkr1:text' } })).statusCode, 201)
  assert.equal((await inboxStatus(app, created.inbox_key)).answer_kind, 'text')
  const asFile = await downloadFrom(origin, `/request/inbox/${created.inbox_key}/file`)
  assert.equal(asFile.status, 404)
  assert.equal((JSON.parse(asFile.text) as { code: string }).code, 'SECRET_IS_TEXT')
  assert.equal((await downloadFrom(origin, `/request/inbox/${created.request_key}/file`)).status, 404)
  assert.deepEqual((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })).json(), { secret: 'zkr1:text' })
})

test('while a file answer uploads, a second file answer is 409 REQUEST_ANSWER_IN_PROGRESS; a text answer that wins meanwhile leaves no chunk behind', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const created = await createRequest(app)
  const size = 2 * MiB
  // The first answer sends half its body and waits.
  let finish = (): void => {}
  const first = new Promise<Reply>((resolve, reject) => {
    const req = request(`${origin}/request/${created.request_key}/answer`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      const pieces: Buffer[] = []
      res.on('data', (piece: Buffer) => pieces.push(piece))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(pieces).toString('utf8'), continued: false }) })
    })
    req.on('error', reject)
    const source = bytes(size)
    let sent = 0
    let held = false
    source.on('data', (piece: Buffer) => {
      sent += piece.length
      req.write(piece)
      if (!held && sent >= size / 2) {
        held = true
        source.pause()
      }
    })
    source.on('end', () => req.end())
    finish = () => { source.resume() }
  })
  await until(async () => (await stored(app)).chunks > 0)

  const second = await answerWithFile(origin, created.request_key, MiB, 2)
  assert.equal(second.status, 409, second.body)
  assert.equal(code(second), 'REQUEST_ANSWER_IN_PROGRESS')
  assert.equal(second.continued, false)

  const text = await app.inject({ method: 'POST', url: `/request/${created.request_key}/answer`, payload: { secret: 'zkr1:quicker' } })
  assert.equal(text.statusCode, 201, 'a text answer is not held up by an upload')
  finish()
  const late = await first
  assert.equal(late.status, 409, late.body)
  assert.equal(code(late), 'REQUEST_ALREADY_ANSWERED')
  await until(async () => (await stored(app)).transfers === 0)
  assert.deepEqual(await stored(app), { secrets: 1, chunks: 0, transfers: 0 }, 'the text answer stays, the lost upload\'s chunks go')
  assert.deepEqual((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })).json(), { secret: 'zkr1:quicker' })
})

test('a file answer that breaks off answers nothing: the request stays open for another', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const created = await createRequest(app)
  const size = 2 * MiB
  await new Promise<void>((resolve) => {
    const req = request(`${origin}/request/${created.request_key}/answer`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } })
    req.on('error', () => { resolve() })
    const source = bytes(size / 2 + 999)
    source.pipe(req, { end: false })
    source.on('end', () => {
      void until(async () => (await stored(app)).chunks > 0).finally(() => { req.destroy(); resolve() })
    })
  })
  await until(async () => (await stored(app)).transfers === 0)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
  assert.equal((await inboxStatus(app, created.inbox_key)).status, 'open')
  const retried = await answerWithFile(origin, created.request_key, MiB, 3)
  assert.equal(retried.status, 201, retried.body)
  await purgeChunks(app.sql)
  assert.equal((await stored(app)).chunks, 2, 'the purge leaves a published answer\'s chunks alone')
})

test('a file answer is refused on its headers: over FILE_MAX_BYTES or the whole quota 413, without Content-Length 411, to a lapsed request 404', async (t) => {
  const { app } = await startTestApp(t, { env: { FILE_MAX_BYTES: String(4 * MiB), STORAGE_QUOTA_BYTES_PER_CLIENT: String(3 * MiB) } })
  const origin = await listen(app)
  const created = await createRequest(app)

  const tooLarge = await answerWithFile(origin, created.request_key, 5 * MiB)
  assert.equal(tooLarge.status, 413, tooLarge.body)
  assert.equal(tooLarge.continued, false)
  assert.match(JSON.parse(tooLarge.body).message as string, /FILE_MAX_BYTES/)

  // More than the whole quota can never be stored: no Retry-After could help, so 413, not 429.
  const overQuota = await answerWithFile(origin, created.request_key, 3 * MiB + 1)
  assert.equal(overQuota.status, 413, overQuota.body)
  assert.match(JSON.parse(overQuota.body).message as string, /STORAGE_QUOTA_BYTES_PER_CLIENT/)
  assert.equal(overQuota.headers['retry-after'], undefined)
  const overQuotaFile = await upload(origin, bytes(3 * MiB + 1), 3 * MiB + 1, { headers: { expect: '100-continue' } })
  assert.equal(overQuotaFile.status, 413, 'POST /file too')

  const chunked = await upload(origin, bytes(MiB), MiB, { path: `/request/${created.request_key}/answer`, length: null })
  assert.equal(chunked.status, 411)

  await app.sql`update secret_request set expires_at = created_at + interval '1 millisecond'`
  const lapsed = await answerWithFile(origin, created.request_key, MiB)
  assert.equal(lapsed.status, 404, lapsed.body)
  assert.equal(code(lapsed), 'REQUEST_NOT_FOUND')
  assert.equal(lapsed.continued, false)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
})

test('the OpenAPI document describes the file answer and its download', async (t) => {
  const { app } = await startTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }, responses: Record<string, unknown> }>> }>()
  const answer = doc.paths['/request/{request_key}/answer']?.post
  assert.ok(answer?.requestBody?.content['application/json'] !== undefined)
  assert.ok(answer?.requestBody?.content['application/octet-stream'] !== undefined)
  for (const status of ['201', '409', '411', '413']) assert.ok(answer?.responses[status] !== undefined, status)
  const fileGet = doc.paths['/request/inbox/{inbox_key}/file']?.get
  assert.ok(fileGet?.responses['200'] !== undefined)
  assert.equal(doc.paths['/request/inbox/{inbox_key}/file']?.head, undefined, 'no HEAD that would burn it')
})
