// The audit log: one row per event, with who and when, and X-Forwarded-For only from TRUST_PROXY.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { auditRows, createSecret, startTestApp } from './helper.ts'

test('create, reveal and delete each write one audit row with ip, user agent, request id and details', async (t) => {
  const { app } = await startTestApp(t)
  const created = await app.inject({ method: 'POST', url: '/secret', headers: { 'user-agent': 'audit-test/1.0' }, payload: { secret: 'ab', passphrase: 'p', ttl_seconds: 600 } })
  const key = created.json().secret_key
  const del = await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: { 'x-passphrase': 'p' } })
  const rows = await auditRows(app)
  assert.deepEqual(rows.map((r) => r.event), ['created', 'deleted'])
  const [c, d] = rows
  assert.equal(c?.secret_ref, parseToken(key)?.ref)
  assert.equal(d?.secret_ref, c?.secret_ref)
  assert.equal(c?.client_ip, '127.0.0.1')
  assert.equal(c?.user_agent, 'audit-test/1.0')
  assert.equal(c?.request_id, created.headers['x-request-id'])
  assert.equal(d?.request_id, del.headers['x-request-id'])
  assert.deepEqual(c?.details, { ttl_seconds: 600, passphrase: true, reveal_requires_passphrase: false, size_bucket_bytes: 256 })
  assert.deepEqual(d?.details, { passphrase: true })
  assert.ok(!JSON.stringify(rows).includes(key), 'the key is not in the audit log')
})

test('X-Forwarded-For from an untrusted peer is ignored', async (t) => {
  const { app } = await startTestApp(t)
  await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': '203.0.113.9' }, payload: { secret: 'x' } })
  assert.equal((await auditRows(app))[0]?.client_ip, '127.0.0.1')
})

test('X-Forwarded-For from a TRUST_PROXY peer is recorded, and garbage in it never breaks the request', async (t) => {
  const { app } = await startTestApp(t, { env: { TRUST_PROXY: '127.0.0.1' } })
  await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': '203.0.113.9' }, payload: { secret: 'x' } })
  const { secret_key: key } = await createSecret(app, { secret: 'y' })
  const res = await app.inject({ method: 'GET', url: `/secret/${key}`, headers: { 'x-forwarded-for': 'not-an-ip' } })
  assert.equal(res.statusCode, 200)
  const rows = await auditRows(app)
  assert.equal(rows[0]?.client_ip, '203.0.113.9')
  assert.equal(rows.at(-1)?.event, 'revealed')
  assert.equal(rows.at(-1)?.client_ip, null)
})
