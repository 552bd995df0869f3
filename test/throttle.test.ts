// Abuse protection: wrong-passphrase locks per client and per secret, and per-IP request rate limits.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { purgeExpired } from '../functions/purge-expired.ts'
import { auditRows, createSecret, startTestApp } from './helper.ts'

const from = (ip: string, passphrase: string): Record<string, string> => ({ 'x-forwarded-for': ip, 'x-passphrase': passphrase })

test('wrong passphrases lock the client, then the whole secret, with 429 + Retry-After, checked before hashing and audited', async (t) => {
  const { app } = await startTestApp(t, {
    env: { TRUST_PROXY: '127.0.0.1', PASSPHRASE_MAX_FAILURES_PER_CLIENT: '3', PASSPHRASE_MAX_FAILURES_PER_SECRET: '5', PASSPHRASE_LOCK_SECONDS: '900', RATE_LIMIT_DELETE_PER_MINUTE: '0' }
  })
  const { secret_key: key } = await createSecret(app, { secret: 'target', passphrase: 'right' })
  const del = async (ip: string, passphrase: string) => await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: from(ip, passphrase) })

  for (let i = 0; i < 3; i++) assert.equal((await del('198.51.100.1', 'guess')).statusCode, 403)
  const locked = await del('198.51.100.1', 'right')
  assert.equal(locked.statusCode, 429, 'even the right passphrase waits out the lock')
  assert.equal(locked.json().code, 'SECRET_PASSPHRASE_LOCKED')
  const retry = Number(locked.headers['retry-after'])
  assert.ok(retry > 800 && retry <= 900, `Retry-After ${retry}`)

  // Another client is not locked yet …
  assert.equal((await del('198.51.100.2', 'guess')).statusCode, 403)
  assert.equal((await del('198.51.100.2', 'guess')).statusCode, 403)
  // … until the secret as a whole has seen 5 failures: now everyone waits.
  assert.equal((await del('198.51.100.3', 'right')).statusCode, 429)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}/status` })).statusCode, 200, 'a lock never burns the secret')

  const reasons = (await auditRows(app)).filter((r) => r.event === 'delete_denied').map((r) => r.details.reason)
  assert.deepEqual(reasons, ['wrong', 'wrong', 'wrong', 'throttled', 'wrong', 'wrong', 'throttled'])
})

test('a lock on one secret does not touch another, and the secret opens again after the lock', async (t) => {
  const { app } = await startTestApp(t, { env: { PASSPHRASE_MAX_FAILURES_PER_CLIENT: '1', PASSPHRASE_LOCK_SECONDS: '1' } })
  const a = await createSecret(app, { secret: 'a', passphrase: 'p', reveal_requires_passphrase: true })
  const b = await createSecret(app, { secret: 'b', passphrase: 'p', reveal_requires_passphrase: true })
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${a.secret_key}`, headers: { 'x-passphrase': 'x' } })).statusCode, 403)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${a.secret_key}`, headers: { 'x-passphrase': 'p' } })).statusCode, 429)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${b.secret_key}`, headers: { 'x-passphrase': 'p' } })).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const after = await app.inject({ method: 'GET', url: `/secret/${a.secret_key}`, headers: { 'x-passphrase': 'p' } })
  assert.equal(after.statusCode, 200)
  assert.equal(after.json().secret, 'a')
  await purgeExpired(app.sql, 100)
  const [{ count }] = await app.sql<[{ count: number }]>`select count(*)::int as count from passphrase_throttle`
  assert.equal(count, 0, 'the purge job removes the counters of secrets that are gone')
})

test('request rate limits per client IP answer 429 with Retry-After; a spoofed X-Forwarded-For from an untrusted peer changes nothing', async (t) => {
  const { app } = await startTestApp(t, { env: { RATE_LIMIT_CREATE_PER_MINUTE: '3' } })
  for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x' } })).statusCode, 201)
  const limited = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x' } })
  assert.equal(limited.statusCode, 429)
  assert.equal(limited.json().code, 'REQUEST_RATE_LIMITED')
  assert.ok(Number(limited.headers['retry-after']) > 0)
  const spoofed = await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': '203.0.113.77' }, payload: { secret: 'x' } })
  assert.equal(spoofed.statusCode, 429, 'the header is ignored without TRUST_PROXY')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${'A'.repeat(43)}` })).statusCode, 404, 'reads have their own budget')
})

test('behind a trusted proxy each forwarded client has its own budget', async (t) => {
  const { app } = await startTestApp(t, { env: { RATE_LIMIT_CREATE_PER_MINUTE: '1', TRUST_PROXY: '127.0.0.1' } })
  const create = async (ip: string) => (await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': ip }, payload: { secret: 'x' } })).statusCode
  assert.equal(await create('203.0.113.1'), 201)
  assert.equal(await create('203.0.113.1'), 429)
  assert.equal(await create('203.0.113.2'), 201)
})
