// Every passphrase combination for GET and DELETE: set / unset / gated × missing / empty / wrong / right.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { open } from '../functions/_lib/crypto.ts'
import { loadKeys } from '../functions/_lib/master-key.ts'
import { parseToken } from '../functions/_lib/token.ts'
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
