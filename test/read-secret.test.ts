// GET /secret/:secret_key: one reveal, then 404 for ever, under concurrency too.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { auditRows, createSecret, startTestApp } from './helper.ts'

test('GET /secret/:key returns the secret once, then the same 404 as an unknown key', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'pässwörd 🔑 "quoted"\n' })

  const first = await app.inject({ method: 'GET', url: `/secret/${key}` })
  assert.equal(first.statusCode, 200)
  assert.deepEqual(first.json(), { secret: 'pässwörd 🔑 "quoted"\n' })

  const second = await app.inject({ method: 'GET', url: `/secret/${key}` })
  const unknown = await app.inject({ method: 'GET', url: `/secret/${'A'.repeat(43)}` })
  assert.equal(second.statusCode, 404)
  assert.equal(second.json().code, 'SECRET_NOT_FOUND')
  assert.deepEqual(unknown.json(), second.json())
})

test('50 concurrent reads of one secret yield exactly one 200', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'only once' })
  const replies = await Promise.all(Array.from({ length: 50 }, async () => await app.inject({ method: 'GET', url: `/secret/${key}` })))
  const codes = replies.map((r) => r.statusCode).sort()
  assert.equal(codes.filter((c) => c === 200).length, 1)
  assert.equal(codes.filter((c) => c === 404).length, 49)
  const events = (await auditRows(app)).map((row) => row.event)
  assert.deepEqual(events, ['created', 'revealed'])
})

test('malformed keys get the same 404 without a database query', async (t) => {
  const { app } = await startTestApp(t)
  // Close the pool: any query would now fail with a 503, so a 404 proves no query ran.
  await app.sql.end()
  for (const key of ['short', 'A'.repeat(44), `${'A'.repeat(42)}B`, '%00'.repeat(20), 'x'.repeat(300)]) {
    const res = await app.inject({ method: 'GET', url: `/secret/${key}` })
    assert.equal(res.statusCode, 404, key)
    assert.equal(res.json().code, 'SECRET_NOT_FOUND')
  }
})

test('HEAD /secret/:key does not consume the secret (link previews send HEAD)', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'still here' })
  const head = await app.inject({ method: 'HEAD', url: `/secret/${key}` })
  assert.equal(head.statusCode, 404)
  const get = await app.inject({ method: 'GET', url: `/secret/${key}` })
  assert.equal(get.statusCode, 200)
  assert.equal(get.json().secret, 'still here')
})
