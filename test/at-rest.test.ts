// Nothing sensitive at rest or in logs: the database holds neither plaintext, passphrase nor key.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { createSecret, databaseBytes, startTestApp } from './helper.ts'

const MARKER = 'MARKER-plaintext-4b1d9c'
const PASSPHRASE = 'PASSPHRASE-marker-77e2'

test('after storing a marker with a passphrase, the database holds neither, nor the key; the log holds no key', async (t) => {
  const { app, logs } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: MARKER, passphrase: PASSPHRASE })
  const other = await createSecret(app, { secret: MARKER })
  await app.inject({ method: 'GET', url: `/secret/${other.secret_key}` })
  await app.inject({ method: 'DELETE', url: `/secret/${key}`, payload: { passphrase: 'wrong' } })
  await app.inject({ method: 'GET', url: `/secret/${key}x` })
  // The row must really be there, or the test proves nothing.
  const [{ count }] = await app.sql<[{ count: number }]>`select count(*)::int as count from secret`
  assert.equal(count, 1)

  const dump = await databaseBytes(app.sql)
  assert.ok(dump.length > 2000, `the dump is not empty (${dump.length} bytes)`)
  assert.ok(dump.includes('audit_log'), 'the dump really covers the tables')
  assert.ok(dump.includes(parseToken(key)?.ref ?? '-'), 'the dump really holds the rows (the secret_ref is there)')
  // bytea columns come out in hex: look for the markers' bytes that way too.
  const hex = (text: string): string => Buffer.from(text).toString('hex')
  for (const needle of [MARKER, PASSPHRASE, key, other.secret_key, hex(MARKER), hex(PASSPHRASE), Buffer.from(key, 'base64url').toString('hex')]) {
    assert.ok(!dump.includes(needle), `database must not contain ${needle.slice(0, 12)}…`)
  }
  const log = logs.join('')
  assert.ok(log.includes('request completed'), 'the log was captured')
  for (const needle of [MARKER, PASSPHRASE, key, other.secret_key]) {
    assert.ok(!log.includes(needle), `log must not contain ${needle.slice(0, 12)}…`)
  }
})
