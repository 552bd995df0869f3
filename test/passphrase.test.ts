// Every passphrase combination for GET and DELETE: set / unset / gated × missing / empty / wrong / right.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { hash } from '@node-rs/argon2'
import { open, seal } from '../functions/_lib/secrets/crypto.ts'
import { loadKeys } from '../functions/_lib/secrets/master-key.ts'
import { deriveLegacyPassphraseKey, HashPool } from '../functions/_lib/secrets/passphrase.ts'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { auditRows, createSecret, startTestApp } from './helper.ts'

type Kind = 'none' | 'passphrase' | 'gated'
type Supplied = 'missing' | 'empty' | 'wrong' | 'right'
const PASS = 'right passphrase'

const bodyFor = (kind: Kind): Record<string, unknown> => ({
  secret: `secret-${kind}`,
  ...(kind === 'none' ? {} : { passphrase: PASS }),
  ...(kind === 'gated' ? { reveal_requires_passphrase: true } : {})
})
const headerFor = (supplied: Supplied): Record<string, string> =>
  supplied === 'missing' ? {} : { 'x-passphrase': supplied === 'empty' ? '' : supplied === 'wrong' ? 'wrong passphrase' : PASS }

// What the API promises. GET: only gated secrets look at the passphrase; DELETE: any secret with one.
const EXPECTED: Record<'GET' | 'DELETE', Record<Kind, Record<Supplied, number>>> = {
  GET: {
    none: { missing: 200, empty: 200, wrong: 200, right: 200 },
    passphrase: { missing: 200, empty: 200, wrong: 200, right: 200 },
    gated: { missing: 403, empty: 400, wrong: 403, right: 200 }
  },
  DELETE: {
    none: { missing: 200, empty: 400, wrong: 200, right: 200 },
    passphrase: { missing: 403, empty: 400, wrong: 403, right: 200 },
    gated: { missing: 403, empty: 400, wrong: 403, right: 200 }
  }
}

test('each combination of passphrase state and what the request supplies gets the promised answer, and a refusal never burns the secret', async (t) => {
  const { app } = await startTestApp(t, { env: { RATE_LIMIT_READ_PER_MINUTE: '0', RATE_LIMIT_DELETE_PER_MINUTE: '0', RATE_LIMIT_CREATE_PER_MINUTE: '0' } })
  for (const method of ['GET', 'DELETE'] as const) {
    for (const kind of ['none', 'passphrase', 'gated'] as const) {
      for (const supplied of ['missing', 'empty', 'wrong', 'right'] as const) {
        const name = `${method} ${kind} ${supplied}`
        const { secret_key: key } = await createSecret(app, bodyFor(kind))
        const res = await app.inject({ method, url: `/secret/${key}`, headers: headerFor(supplied) })
        const expected = EXPECTED[method][kind][supplied]
        assert.equal(res.statusCode, expected, `${name}: ${res.body}`)
        if (expected === 200) {
          assert.deepEqual(res.json(), method === 'GET' ? { secret: `secret-${kind}` } : { status: 'secret_deleted' }, name)
          assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}/status` })).statusCode, 404, `${name}: gone`)
        } else {
          if (expected === 403) assert.equal(res.json().code, supplied === 'missing' ? 'SECRET_PASSPHRASE_REQUIRED' : 'SECRET_PASSPHRASE_WRONG', name)
          const status = await app.inject({ method: 'GET', url: `/secret/${key}/status` })
          assert.equal(status.statusCode, 200, `${name}: the secret survives a refusal`)
          assert.equal(status.json().requires_passphrase, kind === 'gated')
        }
      }
    }
  }
  // The body works as well as the header for DELETE, also for gated secrets.
  const { secret_key: key } = await createSecret(app, bodyFor('gated'))
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${key}`, payload: { passphrase: PASS } })).statusCode, 200)
  const denials = (await auditRows(app)).filter((row) => row.event.endsWith('_denied'))
  assert.equal(denials.length, 6, 'every 403 is an audit event')
})

test('a gated secret cannot be decrypted from the database with the key and the master key, but without the passphrase', async (t) => {
  const { app, config } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'vault', passphrase: PASS, reveal_requires_passphrase: true })
  const [row] = await app.sql<[{ ciphertext: Buffer }]>`select ciphertext from secret`
  const token = parseToken(key)
  assert.ok(token)
  assert.throws(() => open(row.ciphertext, token, loadKeys(config).keys), /needs its passphrase/)
  const res = await app.inject({ method: 'GET', url: `/secret/${key}`, headers: { 'x-passphrase': PASS } })
  assert.equal(res.json().secret, 'vault')
})

test('reveal_requires_passphrase without a passphrase is refused', async (t) => {
  const { app } = await startTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', reveal_requires_passphrase: true } })
  assert.equal(res.statusCode, 400)
  assert.match(res.json().message, /needs a passphrase/)
})

/** burnlink_passphrase_hashes_total from /metrics: the Argon2id runs this process has finished. */
async function hashesRun (app: Awaited<ReturnType<typeof startTestApp>>['app']): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer passphrase-test' } })).body
  const line = text.split('\n').find((l) => l.startsWith('burnlink_passphrase_hashes_total '))
  assert.ok(line !== undefined, 'the metric is exported')
  return Number(line.split(' ')[1])
}

test('one Argon2id run per passphrase set or checked: a gated secret costs one to create and one to reveal', async (t) => {
  const { app } = await startTestApp(t, { env: { METRICS_TOKEN: 'passphrase-test' } })
  assert.equal(await hashesRun(app), 0)
  const { secret_key: gated } = await createSecret(app, bodyFor('gated'))
  assert.equal(await hashesRun(app), 1, 'create: the stored check and the key share from one run')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${gated}`, headers: headerFor('right') })).json().secret, 'secret-gated')
  assert.equal(await hashesRun(app), 2, 'reveal: the check gives the key share')
  const { secret_key: plain } = await createSecret(app, bodyFor('passphrase'))
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${plain}`, headers: headerFor('right') })).statusCode, 200)
  assert.equal(await hashesRun(app), 4, 'a passphrase for DELETE only: one run to set, one to check')
})

test('a gated secret stored in the older form (PHC hash, key share from a second run) still reveals with its passphrase only', async (t) => {
  const { app, config } = await startTestApp(t, { env: { METRICS_TOKEN: 'passphrase-test' } })
  const keys = loadKeys(config).keys
  const pool = new HashPool(1)
  const olderForm = async (secret: string): Promise<string> => {
    const { secret_key: key } = await createSecret(app, { secret: 'placeholder', passphrase: PASS, reveal_requires_passphrase: true })
    const token = parseToken(key)
    assert.ok(token)
    const share = await deriveLegacyPassphraseKey(pool, PASS, randomBytes(16))
    const phc = await hash(PASS, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
    const updated = await app.sql`update secret set passphrase_hash = ${phc}, ciphertext = ${seal(secret, token, keys, share)} where id = ${token.id}`
    assert.equal(updated.count, 1)
    return key
  }
  const key = await olderForm('stored before')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}`, headers: headerFor('wrong') })).statusCode, 403)
  const before = await hashesRun(app)
  const res = await app.inject({ method: 'GET', url: `/secret/${key}`, headers: headerFor('right') })
  assert.equal(res.statusCode, 200, res.body)
  assert.equal(res.json().secret, 'stored before')
  assert.equal(await hashesRun(app), before + 2, 'the older form: a check, then the key share')
  const other = await olderForm('deleted unread')
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${other}`, headers: headerFor('right') })).statusCode, 200)
})

test('the hash pool counts runs waiting for a slot and runs finished, failed ones too', async () => {
  const pool = new HashPool(1, 2)
  let release = (): void => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  const runs = [pool.run(async () => { await held }), pool.run(async () => {}), pool.run(async () => { throw new Error('argon2 failed') })]
  await Promise.resolve()
  assert.equal(pool.waiting, 2)
  assert.equal(pool.completed, 0)
  await assert.rejects(pool.run(async () => {}), /busy/i, 'beyond the queue: 503')
  release()
  const settled = await Promise.allSettled(runs)
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'rejected'])
  assert.equal(pool.waiting, 0)
  assert.equal(pool.completed, 3)
})
