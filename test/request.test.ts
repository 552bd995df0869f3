// Requests for a secret over the API: answered once, revealed once, each key doing only its part.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { purgeExpired } from '../functions/purge-expired.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { auditRows, startTestApp } from './helper.ts'

interface CreatedRequest { request_key: string, inbox_key: string, expires_at: string }

async function createRequest (app: App, body: Record<string, unknown> = {}): Promise<CreatedRequest> {
  const res = await app.inject({ method: 'POST', url: '/request', payload: body })
  assert.equal(res.statusCode, 201, res.body)
  return res.json<CreatedRequest>()
}

async function answer (app: App, requestKey: string, secret: string): Promise<{ statusCode: number, json: () => Record<string, unknown> }> {
  return await app.inject({ method: 'POST', url: `/request/${requestKey}/answer`, payload: { secret } })
}

test('a request shows its note, takes one answer (a second is 409), and its inbox reveals the answer once', async (t) => {
  const { app } = await startTestApp(t)
  const created = await createRequest(app, { note: 'the staging password, please', ttl_seconds: 3600 })
  assert.notEqual(created.request_key, created.inbox_key)

  const shown = await app.inject({ method: 'GET', url: `/request/${created.request_key}` })
  assert.equal(shown.statusCode, 200)
  assert.deepEqual({ ...shown.json<Record<string, unknown>>(), expires_at: undefined }, { status: 'open', note: 'the staging password, please', expires_at: undefined, answered_at: null })
  const before = await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}/status` })
  assert.equal(before.json().status, 'open')
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })).json().code, 'SECRET_NOT_FOUND', 'nothing to reveal before the answer')

  const first = await answer(app, created.request_key, 'zkr1:first')
  assert.equal(first.statusCode, 201)
  const second = await answer(app, created.request_key, 'zkr1:second')
  assert.equal(second.statusCode, 409)
  assert.equal(second.json().code, 'REQUEST_ALREADY_ANSWERED')

  const after = await app.inject({ method: 'GET', url: `/request/${created.request_key}` })
  assert.equal(after.json().status, 'answered')
  assert.equal(after.json().note, null, 'the note is shown only while the request is open')
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}/status` })).json().status, 'answered')

  const revealed = await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })
  assert.equal(revealed.statusCode, 200)
  assert.deepEqual(revealed.json(), { secret: 'zkr1:first' })
  const again = await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })
  assert.equal(again.statusCode, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}/status` })).json().status, 'revealed')

  const events = (await auditRows(app)).map((row) => row.event)
  assert.deepEqual(events, ['request_created', 'request_answered', 'revealed'])
  assert.equal(new Set((await auditRows(app)).map((row) => row.secret_ref)).size, 1, 'one reference links the request and its answer')
})

test('the inbox key cannot answer, the request key cannot read the answer, and GET /secret with the inbox key consumes nothing', async (t) => {
  const { app } = await startTestApp(t)
  const created = await createRequest(app)
  assert.equal((await answer(app, created.inbox_key, 'zkr1:forged')).statusCode, 404)
  assert.equal((await answer(app, created.request_key, 'zkr1:real')).statusCode, 201)
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${created.request_key}` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${created.request_key}/status` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${created.inbox_key}` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${created.request_key}` })).statusCode, 404)
  assert.deepEqual((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}` })).json(), { secret: 'zkr1:real' })
})

test('an expired request refuses its answer with 404, says expired, and the purge removes it with a request_expired row', async (t) => {
  const { app } = await startTestApp(t)
  const created = await createRequest(app, { note: 'late' })
  await app.sql`update secret_request set created_at = now() - interval '2 hours', expires_at = now() - interval '1 second'`
  assert.equal((await app.inject({ method: 'GET', url: `/request/${created.request_key}` })).json().status, 'expired')
  const refused = await answer(app, created.request_key, 'zkr1:late')
  assert.equal(refused.statusCode, 404)
  assert.equal(refused.json().code, 'REQUEST_NOT_FOUND')
  assert.equal((await app.inject({ method: 'GET', url: `/request/inbox/${created.inbox_key}/status` })).json().status, 'expired')
  await purgeExpired(app.sql, 100)
  assert.equal((await app.inject({ method: 'GET', url: `/request/${created.request_key}` })).statusCode, 404)
  assert.deepEqual((await auditRows(app)).map((row) => row.event), ['request_created', 'request_expired'])
})

test('the note and the answer are stored sealed: the tables hold neither in plain text', async (t) => {
  const { app } = await startTestApp(t)
  const created = await createRequest(app, { note: 'note-in-plain-sight' })
  assert.equal((await answer(app, created.request_key, 'answer-in-plain-sight')).statusCode, 201)
  const [row] = await app.sql<Array<{ dump: string }>>`
    select (select string_agg(encode(note, 'escape') || encode(answer_key, 'escape'), '') from secret_request)
      || (select string_agg(encode(ciphertext, 'escape'), '') from secret) as dump`
  assert.ok(row !== undefined)
  assert.doesNotMatch(row.dump, /plain-sight/)
})

test('POST /request refuses unknown fields and a lifetime outside the bounds', async (t) => {
  const { app } = await startTestApp(t)
  assert.equal((await app.inject({ method: 'POST', url: '/request', payload: { nope: 1 } })).statusCode, 400)
  const long = await app.inject({ method: 'POST', url: '/request', payload: { ttl_seconds: 10 ** 9 } })
  assert.equal(long.statusCode, 400)
  assert.equal(long.json().code, 'SECRET_TTL_OUT_OF_RANGE')
})

test('of ten concurrent answers to one request exactly one is taken, the others are 409', async (t) => {
  const { app } = await startTestApp(t)
  const created = await createRequest(app)
  const codes = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await answer(app, created.request_key, `zkr1:${i}`)).statusCode))
  assert.deepEqual(codes.filter((code) => code === 201).length, 1, String(codes))
  assert.ok(codes.every((code) => code === 201 || code === 409), String(codes))
  const [row] = await app.sql<Array<{ n: number }>>`select count(*)::int as n from secret`
  assert.equal(row?.n, 1)
})
