// One-time files over real sockets: streamed in and out once, refused when too large, gone after.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { purgeChunks, purgeExpired } from '../functions/purge-expired.ts'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { bytes, download, listen, MiB, sha256, stored, upload } from './file-http.ts'
import { auditRows, createSecret, databaseBytes, startTestApp } from './helper.ts'

interface Created { secret_key: string, expires_at: string, receipt_key: string }

/** Waits until the server has finished with a connection the test broke off. */
async function until (condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error('the condition never held')
}

test('a 20 MiB file round-trips byte-identical once; the second GET is 404, the receipt says revealed, the audit rows carry its padded size', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const size = 20 * MiB
  const sent = await sha256(bytes(size, 7))
  const created = await upload(origin, bytes(size, 7), size, { query: '?ttl_seconds=3600' })
  assert.equal(created.status, 201, created.body)
  const { secret_key: key, receipt_key: receipt, expires_at: expiresAt } = JSON.parse(created.body) as Created
  assert.ok(Date.parse(expiresAt) > Date.now() + 3500_000)
  assert.equal((await stored(app)).chunks, 40, '512 KiB chunks')

  const status = await app.inject({ method: 'GET', url: `/secret/${key}/status` })
  assert.deepEqual(status.json(), { status: 'waiting', kind: 'file', requires_passphrase: false, expires_at: expiresAt })

  const first = await download(origin, key)
  assert.equal(first.status, 200)
  assert.equal(first.headers['content-type'], 'application/octet-stream')
  assert.equal(first.headers['content-length'], String(size))
  assert.equal(first.headers['content-disposition'], 'attachment')
  assert.equal(first.headers['cache-control'], 'no-cache, no-store, must-revalidate')
  assert.equal(first.headers['x-content-type-options'], 'nosniff')
  assert.deepEqual({ hex: first.hex, length: first.length }, sent)

  const second = await download(origin, key)
  assert.equal(second.status, 404)
  assert.equal(JSON.parse(second.text).code, 'SECRET_NOT_FOUND')
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
  assert.equal((await app.inject({ method: 'GET', url: `/receipt/${receipt}` })).json().status, 'revealed')
  const rows = await auditRows(app)
  assert.deepEqual(rows.map((r) => r.event), ['created', 'revealed'])
  for (const row of rows) {
    assert.equal(row.details.kind, 'file')
    assert.equal(row.details.size_bucket_bytes, size + 2 * MiB, 'the size rounded up to an eighth of its power of two')
  }
})

test('a file over FILE_MAX_BYTES is refused with 413 naming the limit, before its body is read (no 100 Continue)', async (t) => {
  const { app } = await startTestApp(t, { env: { FILE_MAX_BYTES: String(MiB) } })
  const origin = await listen(app)
  const refused = await upload(origin, bytes(MiB + 1), MiB + 1, { headers: { expect: '100-continue' } })
  assert.equal(refused.status, 413)
  assert.equal(refused.continued, false, 'the client was never asked for the body')
  const body = JSON.parse(refused.body) as { code: string, message: string }
  assert.equal(body.code, 'SECRET_TOO_LARGE')
  assert.match(body.message, /FILE_MAX_BYTES/)
  assert.match(body.message, /1048576 bytes \(1 MiB/)

  const fits = await upload(origin, bytes(MiB), MiB, { headers: { expect: '100-continue' } })
  assert.equal(fits.status, 201, fits.body)
  assert.equal(fits.continued, true)
  assert.deepEqual(await stored(app), { secrets: 1, chunks: 2, transfers: 0 })
})

test('a JSON request with Expect: 100-continue still gets its 100 and is served', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const body = JSON.stringify({ secret: 'over the wire' })
  const reply = await new Promise<{ status: number, continued: boolean }>((resolve, reject) => {
    let continued = false
    const req = request(`${origin}/secret`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), expect: '100-continue' } }, (res) => {
      res.resume()
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, continued }) })
    })
    req.on('continue', () => { continued = true; req.end(body) })
    req.on('error', reject)
  })
  assert.deepEqual(reply, { status: 201, continued: true })
})

test('POST /file without Content-Length is a 411, an empty one a 400, and anything but octet-stream a 415', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const chunked = await upload(origin, Buffer.from('no length'), 9, { length: null })
  assert.equal(chunked.status, 411)
  assert.equal(JSON.parse(chunked.body).code, 'REQUEST_LENGTH_REQUIRED')
  const empty = await upload(origin, Buffer.alloc(0), 0)
  assert.equal(empty.status, 400)
  const json = await upload(origin, Buffer.from('{"secret":"x"}'), 14, { headers: { 'content-type': 'application/json' } })
  assert.equal(json.status, 415)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
})

test('an upload that breaks off stores nothing that can be revealed, and leaves no chunk behind', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const size = 4 * MiB
  await new Promise<void>((resolve) => {
    const req = request(`${origin}/file`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } })
    req.on('error', () => { resolve() })
    const source = bytes(size / 2 + 12345)
    source.pipe(req, { end: false })
    source.on('end', () => {
      // Until a chunk is in the table, the server has surely read what was sent.
      until(async () => (await stored(app)).chunks > 0).then(() => { req.destroy(); resolve() }, () => { req.destroy(); resolve() })
    })
  })
  await until(async () => (await stored(app)).transfers === 0)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
  assert.deepEqual(await auditRows(app), [], 'nothing was created')
})

test('a download that breaks off still consumed the file: the second GET is 404 and no chunk is left', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const size = 8 * MiB
  const { secret_key: key } = JSON.parse((await upload(origin, bytes(size), size)).body) as Created
  await new Promise<void>((resolve, reject) => {
    request(`${origin}/file/${key}`, (res) => {
      assert.equal(res.statusCode, 200)
      res.once('data', () => { res.destroy(); resolve() })
    }).on('error', reject).end()
  })
  assert.equal((await download(origin, key)).status, 404)
  await until(async () => (await stored(app)).transfers === 0)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
  assert.deepEqual((await auditRows(app)).map((r) => r.event), ['created', 'revealed'])
})

test('of concurrent GETs of one file exactly one gets it', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const { secret_key: key } = JSON.parse((await upload(origin, bytes(MiB), MiB)).body) as Created
  const results = await Promise.all([1, 2, 3, 4].map(async () => await download(origin, key)))
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 404, 404, 404])
  assert.equal(results.find((r) => r.status === 200)?.length, MiB)
})

test('a gated file needs its passphrase: none or a wrong one is a 403 that leaves it, the right one downloads it', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const content = Buffer.from('gated file content')
  const made = await upload(origin, content, content.length, { query: '?reveal_requires_passphrase=true', headers: { 'x-passphrase': 'open sesame' } })
  assert.equal(made.status, 201, made.body)
  const { secret_key: key } = JSON.parse(made.body) as Created
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}/status` })).json().requires_passphrase, true)
  const none = await download(origin, key)
  assert.equal(none.status, 403)
  assert.equal(JSON.parse(none.text).code, 'SECRET_PASSPHRASE_REQUIRED')
  assert.equal((await download(origin, key, { 'x-passphrase': 'wrong' })).status, 403)
  const right = await download(origin, key, { 'x-passphrase': 'open sesame' })
  assert.equal(right.status, 200)
  assert.deepEqual({ hex: right.hex, length: right.length }, await sha256(Readable.from([content])))
  assert.equal((await download(origin, key, { 'x-passphrase': 'open sesame' })).status, 404)

  const ungated = await upload(origin, content, content.length, { query: '?reveal_requires_passphrase=true' })
  assert.equal(ungated.status, 400, 'reveal_requires_passphrase needs X-Passphrase')
})

test('a gated file\'s chunks do not open with the link and the server key alone', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const content = Buffer.from('needs the passphrase share')
  const { secret_key: key } = JSON.parse((await upload(origin, content, content.length, { query: '?reveal_requires_passphrase=true', headers: { 'x-passphrase': 'pw' } })).body) as Created
  // Unmark the gate in the table, as a database writer could: the chunk still needs the share.
  await app.sql`update secret set reveal_requires_passphrase = false`
  const res = await download(origin, key)
  assert.equal(res.status, 500)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
})

test('GET /secret on a file is 404 SECRET_IS_FILE and GET /file on text is 404 SECRET_IS_TEXT, and neither consumes', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const { secret_key: fileKey } = JSON.parse((await upload(origin, Buffer.from('a file'), 6)).body) as Created
  const text = await createSecret(app, { secret: 'a text' })
  const wrongWay = await app.inject({ method: 'GET', url: `/secret/${fileKey}` })
  assert.equal(wrongWay.statusCode, 404)
  assert.equal(wrongWay.json().code, 'SECRET_IS_FILE')
  const otherWay = await download(origin, text.secret_key)
  assert.equal(otherWay.status, 404)
  assert.equal(JSON.parse(otherWay.text).code, 'SECRET_IS_TEXT')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${text.secret_key}/status` })).json().kind, 'text')
  assert.equal((await download(origin, fileKey)).status, 200)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${text.secret_key}` })).statusCode, 200)
  assert.equal((await app.inject({ method: 'HEAD', url: `/file/${fileKey}` })).statusCode, 404, 'no HEAD that would burn it')
})

test('DELETE removes a file and its chunks, with its passphrase, and audits the padded size', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const { secret_key: key, receipt_key: receipt } = JSON.parse((await upload(origin, bytes(MiB + 1), MiB + 1, { headers: { 'x-passphrase': 'pw' } })).body) as Created
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${key}` })).statusCode, 403)
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: { 'x-passphrase': 'pw' } })).statusCode, 200)
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
  assert.equal((await download(origin, key)).status, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/receipt/${receipt}` })).json().status, 'deleted')
  const deleted = (await auditRows(app)).find((r) => r.event === 'deleted')
  assert.deepEqual(deleted?.details, { passphrase: true, kind: 'file', size_bucket_bytes: MiB + 128 * 1024 })
})

test('the purge removes an expired file with its chunks and an expired audit row with its padded size', async (t) => {
  const { app } = await startTestApp(t, { env: { SECRET_MIN_TTL_SECONDS: '1' } })
  const origin = await listen(app)
  const { secret_key: key, receipt_key: receipt } = JSON.parse((await upload(origin, bytes(MiB), MiB, { query: '?ttl_seconds=1' })).body) as Created
  const token = parseToken(key)
  assert.ok(token !== undefined)
  await app.sql`update secret set created_at = created_at - interval '1 hour', expires_at = now() - interval '1 second'`
  assert.deepEqual(await purgeExpired(app.sql, 10), { purged: 1, batches: 1 })
  assert.deepEqual(await stored(app), { secrets: 0, chunks: 0, transfers: 0 })
  const expired = (await auditRows(app)).find((r) => r.event === 'expired')
  assert.equal(expired?.details.kind, 'file')
  assert.equal(expired?.details.size_bucket_bytes, MiB + 128 * 1024)
  assert.equal((await app.inject({ method: 'GET', url: `/receipt/${receipt}` })).json().status, 'expired')
})

test('the purge removes chunks of transfers past their deadline and orphans, never those of a transfer under way or a stored file', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  await upload(origin, bytes(MiB), MiB)
  const id = (n: number): Buffer => Buffer.alloc(32, n)
  const chunk = Buffer.from('sealed chunk')
  await app.sql`insert into file_transfer (secret_id, direction, deadline) values (${id(1)}, 'upload', now() + interval '1 hour'), (${id(2)}, 'download', now() - interval '1 second')`
  await app.sql`insert into secret_chunk (secret_id, chunk_index, ciphertext) values (${id(1)}, 0, ${chunk}), (${id(2)}, 0, ${chunk}), (${id(3)}, 0, ${chunk})`
  await purgeChunks(app.sql)
  const left = await app.sql<Array<{ secret_id: Buffer }>>`select distinct secret_id from secret_chunk where secret_id in (${id(1)}, ${id(2)}, ${id(3)})`
  assert.deepEqual(left.map((r) => r.secret_id[0]), [1], 'only the upload under way keeps its chunk')
  assert.deepEqual(await stored(app), { secrets: 1, chunks: 3, transfers: 1 }, 'the stored file keeps its two chunks')
})

test('a database dump after a file was sent holds none of its bytes, in plain or in hex', async (t) => {
  const { app } = await startTestApp(t)
  const origin = await listen(app)
  const marker = Buffer.from('FILE-MARKER-plaintext-5c0ffee '.repeat(40_000))
  const made = await upload(origin, marker, marker.length, { headers: { 'x-passphrase': 'pw' } })
  assert.equal(made.status, 201)
  assert.equal((await stored(app)).chunks, 3)
  // Through SQL, as pg_dump writes data: the machine's pg_dump may be older than the embedded server.
  const dump = (await databaseBytes(app.sql)).toString('latin1')
  assert.ok(dump.includes('secret_chunk'), 'the dump covers the chunk table')
  assert.ok(dump.length > marker.length, 'the chunks are in the dump')
  const probe = Buffer.from('FILE-MARKER-plaintext')
  assert.ok(!dump.includes(probe.toString('latin1')))
  assert.ok(!dump.toLowerCase().includes(probe.toString('hex')))
})

test('the OpenAPI document describes POST /file and GET /file/{secret_key}, their statuses and examples', async (t) => {
  const { app } = await startTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const create = doc.paths['/file'].post
  assert.deepEqual(Object.keys(create.responses).sort(), ['201', '400', '401', '403', '408', '411', '413', '415', '429', '503'])
  assert.ok(create.requestBody.content['application/octet-stream'] !== undefined)
  assert.deepEqual(create.parameters.map((p: { name: string }) => p.name).sort(), ['notify_url', 'reveal_requires_passphrase', 'ttl_seconds', 'x-passphrase'])
  assert.match(create.description, /FILE_MAX_BYTES/)
  const read = doc.paths['/file/{secret_key}'].get
  assert.deepEqual(Object.keys(read.responses).sort(), ['200', '400', '403', '404', '429', '503'])
  assert.equal(read.responses['200'].content['application/octet-stream'].schema.format, 'binary')
  assert.equal(doc.paths['/file/{secret_key}'].head, undefined, 'no HEAD route that would burn files')
  assert.ok(JSON.stringify(doc.paths['/file']).includes('"examples"'))
})
