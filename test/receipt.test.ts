// Read receipts and the status check: the creator learns what happened, nothing is consumed.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { purgeExpired } from '../functions/purge-expired.ts'
import { startTestApp } from './helper.ts'

interface Created { secret_key: string, receipt_key: string, expires_at: string }

test('a receipt says waiting, then revealed with when and from where, and never reveals anything itself', async (t) => {
  const { app } = await startTestApp(t, { env: { TRUST_PROXY: '127.0.0.1' } })
  const created = (await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'for your eyes' } })).json<Created>()
  const receipt = async () => await app.inject({ method: 'GET', url: `/receipt/${created.receipt_key}` })

  const waiting = (await receipt()).json()
  assert.deepEqual(waiting, { status: 'waiting', created_at: waiting.created_at, expires_at: created.expires_at, revealed_at: null, revealed_by_ip: null, deleted_at: null, expired_at: null, notifications: [] })
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${created.receipt_key}` })).statusCode, 404, 'the receipt key does not open the secret')
  assert.equal((await app.inject({ method: 'GET', url: `/receipt/${created.secret_key}` })).statusCode, 404, 'the secret key is not a receipt')
  const status = await app.inject({ method: 'GET', url: `/secret/${created.secret_key}/status` })
  assert.deepEqual(status.json(), { status: 'waiting', kind: 'text', requires_passphrase: false, expires_at: created.expires_at })

  await app.inject({ method: 'GET', url: `/secret/${created.secret_key}`, headers: { 'x-forwarded-for': '198.51.100.23' } })
  const revealed = (await receipt()).json()
  assert.equal(revealed.status, 'revealed')
  assert.equal(revealed.revealed_by_ip, '198.51.100.23')
  assert.ok(Date.parse(revealed.revealed_at) >= Date.parse(revealed.created_at))
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${created.secret_key}/status` })).statusCode, 404)
})

test('receipts report deleted and expired secrets, also after the purge and after the TTL', async (t) => {
  const { app } = await startTestApp(t, { env: { SECRET_MIN_TTL_SECONDS: '1' } })
  const deleted = (await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'd' } })).json<Created>()
  await app.inject({ method: 'DELETE', url: `/secret/${deleted.secret_key}` })
  const d = (await app.inject({ method: 'GET', url: `/receipt/${deleted.receipt_key}` })).json()
  assert.equal(d.status, 'deleted')
  assert.ok(d.deleted_at !== null && d.revealed_at === null)

  const expiring = (await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'e', ttl_seconds: 1 } })).json<Created>()
  await sleep(1200)
  const beforePurge = (await app.inject({ method: 'GET', url: `/receipt/${expiring.receipt_key}` })).json()
  assert.equal(beforePurge.status, 'expired')
  await purgeExpired(app.sql, 100)
  const afterPurge = (await app.inject({ method: 'GET', url: `/receipt/${expiring.receipt_key}` })).json()
  assert.equal(afterPurge.status, 'expired')
  assert.ok(afterPurge.expired_at !== null)
  assert.equal((await app.inject({ method: 'GET', url: `/receipt/${'Q'.repeat(43)}` })).json().code, 'RECEIPT_NOT_FOUND')
})

test('the receipt key is stored only as a hash', async (t) => {
  const { app } = await startTestApp(t)
  const created = (await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'h' } })).json<Created>()
  const rows = await app.sql`select * from receipt`
  assert.equal(rows.length, 1)
  const dump = JSON.stringify(rows, (_k, v: unknown) => (v instanceof Buffer ? v.toString('base64url') : v))
  assert.ok(!dump.includes(created.receipt_key))
  assert.ok(!dump.includes(Buffer.from(created.receipt_key, 'base64url').toString('base64url')))
})
