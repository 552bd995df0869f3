// A stored passphrase hash cannot make the server run Argon2id at a higher cost than its own.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hash } from '@node-rs/argon2'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { createSecret, startTestApp, type TestApp } from './helper.ts'

const TOKEN = 'argon2-cap-test'

async function hashesRun ({ app }: TestApp): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).body
  const line = text.split('\n').find((l) => l.startsWith('burnlink_passphrase_hashes_total '))
  assert.ok(line !== undefined, 'the metric is exported')
  return Number(line.split(' ')[1])
}

test('Argon2id parameters in a stored hash above the server\'s own cost are refused, not run', async (t) => {
  const ctx = await startTestApp(t, { env: { METRICS_TOKEN: TOKEN } })
  const { app } = ctx
  // 64 MiB: above the configured 19 MiB, yet small enough to run if the check were missing.
  const tampered = async (stored: (real: string) => string | Promise<string>): Promise<string> => {
    const { secret_key: key } = await createSecret(app, { secret: 'target', passphrase: 'right' })
    const token = parseToken(key)
    assert.ok(token)
    const [row] = await app.sql<{ passphrase_hash: string }[]>`select passphrase_hash from secret where id = ${token.id}`
    assert.ok(row)
    await app.sql`update secret set passphrase_hash = ${await stored(row.passphrase_hash)} where id = ${token.id}`
    return key
  }
  const current = await tampered((real) => real.replace(/m=\d+/, 'm=65536'))
  const legacy = await tampered(async () => await hash('right', { algorithm: 2, memoryCost: 65_536, timeCost: 2, parallelism: 1 }))
  for (const key of [current, legacy]) {
    const before = await hashesRun(ctx)
    const res = await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: { 'x-passphrase': 'right' } })
    assert.equal(res.statusCode, 500, res.body)
    assert.equal(res.json().code, 'INTERNAL_ERROR')
    assert.equal(await hashesRun(ctx), before, 'no Argon2id run')
    assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}/status` })).statusCode, 200, 'the secret is untouched')
  }
})
