// Concurrent wrong passphrases: no more are checked than the lockout allows, however many arrive at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { auditRows, createSecret, startTestApp, type TestApp } from './helper.ts'

const TOKEN = 'lockout-race-metrics-token'
const ENV = {
  METRICS_TOKEN: TOKEN,
  PASSPHRASE_MAX_FAILURES_PER_CLIENT: '5',
  PASSPHRASE_MAX_FAILURES_PER_SECRET: '20',
  RATE_LIMIT_READ_PER_MINUTE: '0',
  RATE_LIMIT_DELETE_PER_MINUTE: '0'
}

async function hashesRun ({ app }: TestApp): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body
  const line = text.split('\n').find((l) => l.startsWith('burnlink_passphrase_hashes_total '))
  assert.ok(line !== undefined, 'the metric is exported')
  return Number(line.split(' ')[1])
}

/** Fires every guess at once and sorts the answers: 403 = checked, 429 = refused before hashing. */
async function burst (ctx: TestApp, method: 'GET' | 'DELETE', key: string, clients: string[]): Promise<{ checked: number, refused: number, hashes: number }> {
  const before = await hashesRun(ctx)
  const answers: LightMyRequestResponse[] = await Promise.all(clients.map(async (ip, i) =>
    await ctx.app.inject({ method, url: `/secret/${key}`, remoteAddress: ip, headers: { 'x-passphrase': `wrong guess ${i}` } })))
  const hashes = await hashesRun(ctx) - before
  for (const res of answers) {
    assert.ok(res.statusCode === 403 || res.statusCode === 429, `status ${res.statusCode}: ${res.body}`)
    if (res.statusCode === 429) {
      assert.equal(res.json().code, 'SECRET_PASSPHRASE_LOCKED')
      assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After is set')
    }
  }
  return { checked: answers.filter((r) => r.statusCode === 403).length, refused: answers.filter((r) => r.statusCode === 429).length, hashes }
}

for (const method of ['GET', 'DELETE'] as const) {
  test(`${method}: 30 concurrent wrong passphrases from one client check at most the per-client limit, the rest get 429`, async (t) => {
    const ctx = await startTestApp(t, { env: ENV })
    const { secret_key: key } = await createSecret(ctx.app, { secret: 'target', passphrase: 'right', reveal_requires_passphrase: true })
    const result = await burst(ctx, method, key, Array.from({ length: 30 }, () => '198.51.100.7'))
    assert.ok(result.hashes <= 5, `Argon2id runs: ${result.hashes}`)
    assert.ok(result.checked <= 5 && result.checked >= 1, `checked: ${result.checked}`)
    assert.equal(result.refused, 30 - result.checked)
    const wrong = (await auditRows(ctx.app)).filter((r) => r.details.reason === 'wrong')
    assert.equal(wrong.length, result.checked, 'each check is audited as wrong')
    // The secret as a whole is not locked: another client with the passphrase still gets through.
    const right = await ctx.app.inject({ method, url: `/secret/${key}`, remoteAddress: '198.51.100.8', headers: { 'x-passphrase': 'right' } })
    assert.equal(right.statusCode, 200, right.body)
  })

  test(`${method}: 60 concurrent wrong passphrases from 60 clients check at most the per-secret limit, the rest get 429`, async (t) => {
    const ctx = await startTestApp(t, { env: ENV })
    const { secret_key: key } = await createSecret(ctx.app, { secret: 'target', passphrase: 'right', reveal_requires_passphrase: true })
    const result = await burst(ctx, method, key, Array.from({ length: 60 }, (_, i) => `203.0.113.${i + 1}`))
    assert.ok(result.hashes <= 20, `Argon2id runs: ${result.hashes}`)
    assert.ok(result.checked <= 20 && result.checked >= 1, `checked: ${result.checked}`)
    assert.equal(result.refused, 60 - result.checked)
    const locked = await ctx.app.inject({ method, url: `/secret/${key}`, remoteAddress: '192.0.2.1', headers: { 'x-passphrase': 'right' } })
    assert.equal(locked.statusCode, 429, 'the secret is locked for everyone, and unharmed')
  })
}
