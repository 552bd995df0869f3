// DELETE /secret/:secret_key: without a passphrase, with one, and every way to get it wrong.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { auditRows, createSecret, startTestApp } from './helper.ts'

test('DELETE without a passphrase on the secret needs none, and the secret is gone', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'bye' })
  const res = await app.inject({ method: 'DELETE', url: `/secret/${key}` })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(res.json(), { status: 'secret_deleted' })
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${key}` })).statusCode, 404)
  assert.deepEqual((await auditRows(app)).map((r) => r.event), ['created', 'deleted'])
})

test('DELETE of a passphrase secret: missing or wrong is 403 and the secret stays readable', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'guarded', passphrase: 'open sesame' })

  const missing = await app.inject({ method: 'DELETE', url: `/secret/${key}` })
  assert.equal(missing.statusCode, 403)
  assert.equal(missing.json().code, 'SECRET_PASSPHRASE_REQUIRED')
  const wrongBody = await app.inject({ method: 'DELETE', url: `/secret/${key}`, payload: { passphrase: 'open sesame!' } })
  assert.equal(wrongBody.statusCode, 403)
  assert.equal(wrongBody.json().code, 'SECRET_PASSPHRASE_WRONG')
  const wrongHeader = await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: { 'x-passphrase': 'Open sesame' } })
  assert.equal(wrongHeader.statusCode, 403)
  const empty = await app.inject({ method: 'DELETE', url: `/secret/${key}`, payload: { passphrase: '' } })
  assert.equal(empty.statusCode, 400, 'an empty passphrase is invalid input')

  const read = await app.inject({ method: 'GET', url: `/secret/${key}` })
  assert.equal(read.statusCode, 200, 'denied deletes never burn the secret')
  assert.equal(read.json().secret, 'guarded')
  const events = (await auditRows(app)).map((r) => [r.event, r.details.reason])
  assert.deepEqual(events, [['created', undefined], ['delete_denied', 'missing'], ['delete_denied', 'wrong'], ['delete_denied', 'wrong'], ['revealed', undefined]])
})

test('DELETE with the right passphrase in the body or in X-Passphrase deletes', async (t) => {
  const { app } = await startTestApp(t)
  const a = await createSecret(app, { secret: 'a', passphrase: 'pässwörd ключ' })
  const b = await createSecret(app, { secret: 'b', passphrase: 'pässwörd ключ' })
  const byBody = await app.inject({ method: 'DELETE', url: `/secret/${a.secret_key}`, payload: { passphrase: 'pässwörd ключ' } })
  assert.equal(byBody.statusCode, 200)
  // Header values travel as UTF-8 bytes.
  const header = Buffer.from('pässwörd ключ', 'utf8').toString('latin1')
  const byHeader = await app.inject({ method: 'DELETE', url: `/secret/${b.secret_key}`, headers: { 'x-passphrase': header } })
  assert.equal(byHeader.statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${b.secret_key}` })).statusCode, 404)
})

test('DELETE with differing header and body passphrases is a 400; unknown keys are 404', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'c', passphrase: 'one' })
  const conflict = await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: { 'x-passphrase': 'two' }, payload: { passphrase: 'one' } })
  assert.equal(conflict.statusCode, 400)
  assert.equal(conflict.json().code, 'REQUEST_PASSPHRASE_CONFLICT')
  const unknown = await app.inject({ method: 'DELETE', url: `/secret/${'B'.repeat(42)}A` })
  assert.equal(unknown.statusCode, 404)
  const malformed = await app.inject({ method: 'DELETE', url: '/secret/not-a-key' })
  assert.equal(malformed.statusCode, 404)
  const extra = await app.inject({ method: 'DELETE', url: `/secret/${key}`, payload: { passphrase: 'one', force: true } })
  assert.equal(extra.statusCode, 400, 'unknown body fields are refused')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}` })).statusCode, 200)
})
