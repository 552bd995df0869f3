// The storage quota: bytes of secrets one client may store per window, counted in PostgreSQL.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../functions/_lib/platform/config.ts'
import { purgeExpired } from '../functions/purge-expired.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { bytes, listen, MiB, upload } from './file-http.ts'
import { startTestApp } from './helper.ts'

const QUOTA = { TRUST_PROXY: '127.0.0.1', RATE_LIMIT_CREATE_PER_MINUTE: '0', SECRET_MAX_BYTES: '4096', STORAGE_QUOTA_BYTES_PER_CLIENT: '10000' }
const SECRET = 'x'.repeat(1000)

const create = async (app: App, ip: string) =>
  await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': ip }, payload: { secret: SECRET } })

/** Bytes one stored SECRET takes: its padded ciphertext. */
async function storedSize (app: App): Promise<number> {
  const [row] = await app.sql<Array<{ bytes: number }>>`select max(octet_length(ciphertext))::int as bytes from secret`
  assert.ok(row !== undefined && row.bytes > 1000)
  return row.bytes
}

test('a client over its storage quota gets 429 STORAGE_QUOTA_EXCEEDED with Retry-After; another client is unaffected', async (t) => {
  const { app } = await startTestApp(t, { env: QUOTA })
  assert.equal((await create(app, '198.51.100.1')).statusCode, 201)
  const fits = Math.floor(10_000 / await storedSize(app))
  for (let i = 1; i < fits; i++) assert.equal((await create(app, '198.51.100.1')).statusCode, 201)
  const refused = await create(app, '198.51.100.1')
  assert.equal(refused.statusCode, 429)
  assert.equal(refused.json().code, 'STORAGE_QUOTA_EXCEEDED')
  const retry = Number(refused.headers['retry-after'])
  assert.ok(retry >= 1 && retry <= 86_400, `Retry-After ${retry}`)
  assert.match(refused.json().message, /stored/)
  assert.equal((await create(app, '198.51.100.2')).statusCode, 201, 'another client has its own quota')
  const [{ count }] = await app.sql<[{ count: number }]>`select count(*)::int as count from secret`
  assert.equal(count, fits + 1, 'the refused secret was not stored')
})

test('addresses in one IPv6 /64 share a storage quota', async (t) => {
  const { app } = await startTestApp(t, { env: QUOTA })
  assert.equal((await create(app, '2001:db8:9:9::1')).statusCode, 201)
  const fits = Math.floor(10_000 / await storedSize(app))
  for (let i = 1; i < fits; i++) assert.equal((await create(app, `2001:db8:9:9::${i + 1}`)).statusCode, 201)
  assert.equal((await create(app, '2001:db8:9:9::ffff')).statusCode, 429)
  assert.equal((await create(app, '2001:db8:9:a::1')).statusCode, 201)
})

test('concurrent creates from one client never store more than its quota', async (t) => {
  const { app } = await startTestApp(t, { env: QUOTA })
  const answers = await Promise.all(Array.from({ length: 30 }, async () => (await create(app, '198.51.100.9')).statusCode))
  const size = await storedSize(app)
  const fits = Math.floor(10_000 / size)
  assert.equal(answers.filter((s) => s === 201).length, fits, `answers: ${answers.join(' ')}`)
  assert.equal(answers.filter((s) => s === 429).length, 30 - fits)
  const [{ bytes }] = await app.sql<[{ bytes: number }]>`select sum(octet_length(ciphertext))::int as bytes from secret`
  assert.ok(bytes <= 10_000, `${bytes} bytes stored`)
})

test('STORAGE_QUOTA_BYTES_PER_CLIENT=0 stores without counting', async (t) => {
  const { app } = await startTestApp(t, { env: { ...QUOTA, STORAGE_QUOTA_BYTES_PER_CLIENT: '0' } })
  for (let i = 0; i < 15; i++) assert.equal((await create(app, '198.51.100.1')).statusCode, 201)
  const [{ count }] = await app.sql<[{ count: number }]>`select count(*)::int as count from storage_quota`
  assert.equal(count, 0)
})

test('the purge job removes the counts of past windows', async (t) => {
  const { app } = await startTestApp(t, { env: { ...QUOTA, STORAGE_QUOTA_WINDOW_SECONDS: '3600' } })
  assert.equal((await create(app, '198.51.100.1')).statusCode, 201)
  assert.equal((await create(app, '198.51.100.2')).statusCode, 201)
  await app.sql`update storage_quota set window_end = window_end - interval '2 hours' where client = '198.51.100.1'`
  await purgeExpired(app.sql, 100)
  const rows = await app.sql<Array<{ client: string }>>`select client from storage_quota`
  assert.deepEqual(rows.map((r) => r.client), ['198.51.100.2'])
})

test('a storage quota too small for the largest secret is refused at start-up', () => {
  assert.throws(() => loadConfig({ SECRET_MAX_BYTES: '65536', STORAGE_QUOTA_BYTES_PER_CLIENT: '65536' }), /STORAGE_QUOTA_BYTES_PER_CLIENT/)
  assert.doesNotThrow(() => loadConfig({ SECRET_MAX_BYTES: '65536', STORAGE_QUOTA_BYTES_PER_CLIENT: '0' }))
})

test('a file\'s stored bytes count against the quota before its body is read: over it, 429 with Retry-After and no 100 Continue', async (t) => {
  const { app } = await startTestApp(t, { env: { ...QUOTA, STORAGE_QUOTA_BYTES_PER_CLIENT: String(2 * MiB) } })
  const origin = await listen(app)
  const from = (ip: string) => ({ headers: { expect: '100-continue', 'x-forwarded-for': ip } })
  const first = await upload(origin, bytes(MiB), MiB, from('198.51.100.1'))
  assert.equal(first.status, 201, first.body)
  // Counted as text is: the bytes stored, the server's chunk envelopes included.
  const [counted] = await app.sql<[{ charged: number, chunks: number }]>`
    select (select bytes from storage_quota where client = '198.51.100.1')::int as charged,
      (select sum(octet_length(ciphertext)) from secret_chunk)::int as chunks`
  assert.equal(counted.charged, counted.chunks)

  const refused = await upload(origin, bytes(MiB), MiB, from('198.51.100.1'))
  assert.equal(refused.status, 429, refused.body)
  assert.equal(refused.continued, false, 'the client was never asked for the body')
  assert.equal((JSON.parse(refused.body) as { code: string }).code, 'STORAGE_QUOTA_EXCEEDED')
  const retry = Number(refused.headers['retry-after'])
  assert.ok(retry >= 1 && retry <= 86_400, `Retry-After ${retry}`)
  const [left] = await app.sql<[{ secrets: number, transfers: number }]>`
    select (select count(*) from secret)::int as secrets, (select count(*) from file_transfer)::int as transfers`
  assert.deepEqual(left, { secrets: 1, transfers: 0 }, 'the refused upload opened nothing')

  // Text and files share the client's count; another client has its own.
  assert.equal((await create(app, '198.51.100.1')).statusCode, 201)
  assert.equal((await upload(origin, bytes(MiB), MiB, from('198.51.100.2'))).status, 201)
})

test('an answer to a request counts against the answerer\'s quota: over it, 429 and the request stays open', async (t) => {
  const { app } = await startTestApp(t, { env: QUOTA })
  const ask = async () => (await app.inject({ method: 'POST', url: '/request', headers: { 'x-forwarded-for': '198.51.100.7' }, payload: {} })).json().request_key as string
  const answer = async (key: string, ip: string) =>
    await app.inject({ method: 'POST', url: `/request/${key}/answer`, headers: { 'x-forwarded-for': ip }, payload: { secret: SECRET } })
  assert.equal((await answer(await ask(), '198.51.100.3')).statusCode, 201)
  const fits = Math.floor(10_000 / await storedSize(app))
  for (let i = 1; i < fits; i++) assert.equal((await answer(await ask(), '198.51.100.3')).statusCode, 201)
  const open = await ask()
  const refused = await answer(open, '198.51.100.3')
  assert.equal(refused.statusCode, 429)
  assert.equal(refused.json().code, 'STORAGE_QUOTA_EXCEEDED')
  assert.ok(Number(refused.headers['retry-after']) >= 1)
  assert.equal((await answer(open, '198.51.100.4')).statusCode, 201, 'the request was still open for another client')
  assert.equal((await answer(open, '198.51.100.4')).statusCode, 409, 'and is answered once')
  assert.equal((await create(app, '198.51.100.3')).statusCode, 429, 'answers and secrets share one quota')
})

test('a file refused for the quota costs no passphrase hash: the charge comes first', async (t) => {
  const { app } = await startTestApp(t, { env: { ...QUOTA, STORAGE_QUOTA_BYTES_PER_CLIENT: String(2 * MiB), METRICS_TOKEN: 'scrape-quota' } })
  const origin = await listen(app)
  const hashes = async (): Promise<number> => {
    const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-quota' } })).body
    return Number(/^burnlink_passphrase_hashes_total (\d+)$/m.exec(text)?.[1] ?? Number.NaN)
  }
  const from = { expect: '100-continue', 'x-forwarded-for': '198.51.100.7', 'x-passphrase': 'correct horse' }
  assert.equal((await upload(origin, bytes(MiB + MiB / 2), MiB + MiB / 2, { headers: from })).status, 201)
  const before = await hashes()
  assert.equal(before, 1, 'the stored file\'s passphrase was hashed once')
  const refused = await upload(origin, bytes(MiB), MiB, { headers: from })
  assert.equal(refused.status, 429, refused.body)
  assert.equal(await hashes(), before, 'no Argon2id run for a file that is refused anyway')
})
