// Token format and envelope encryption: round trip, tamper detection, key rotation.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { DecryptionError, keyring, masterKey, open, seal } from '../functions/_lib/crypto.ts'
import { newToken, parseToken } from '../functions/_lib/token.ts'

const keys = keyring(masterKey(randomBytes(32)))

test('tokens are 43 URL-safe characters with one spelling each, and parse back to the same hashes', () => {
  const token = newToken()
  assert.match(token.key, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(token.bytes.length, 32)
  const parsed = parseToken(token.key)
  assert.ok(parsed)
  assert.deepEqual(parsed.id, token.id)
  assert.equal(parsed.ref, token.ref)
  assert.notEqual(token.ref, token.id.toString('hex').slice(0, 24), 'the ref is not the row id')
  // The last character carries 4 unused bits: a variant with them set decodes to the same bytes.
  const last = token.key.at(-1) ?? ''
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const variant = token.key.slice(0, -1) + (alphabet[alphabet.indexOf(last) + 1] ?? 'B')
  assert.equal(parseToken(variant), undefined)
  for (const bad of ['', 'a', token.key + 'A', token.key.slice(1), token.key.replace(/.$/, '='), token.key.replace(/^./, '+')]) {
    assert.equal(parseToken(bad), undefined, bad)
  }
})

test('seal/open round-trips any text, and the ciphertext never contains it', () => {
  for (const text of ['x', 'пароль 🔑', '\u0000 nul and\nnewline', 'a'.repeat(65_536)]) {
    const token = newToken()
    const sealed = seal(text, token, keys)
    assert.equal(open(sealed, token, keys), text)
    assert.ok(!sealed.includes(Buffer.from(text)))
  }
})

test('a flipped bit anywhere, another row\'s token, or an unknown master key fails authentication', () => {
  const token = newToken()
  const sealed = seal('tamper me', token, keys)
  for (let i = 0; i < sealed.length; i++) {
    const copy = Buffer.from(sealed)
    copy[i] = (copy[i] ?? 0) ^ 0x01
    assert.throws(() => open(copy, token, keys), DecryptionError, `byte ${i}`)
  }
  assert.throws(() => open(sealed, newToken(), keys), DecryptionError)
  assert.throws(() => open(sealed, token, keyring(masterKey(randomBytes(32)))), /not configured/)
  assert.throws(() => open(sealed.subarray(0, 10), token, keys), DecryptionError)
})

test('after rotation the previous master key still opens old ciphertexts; new ones use the new key', () => {
  const old = masterKey(randomBytes(32))
  const current = masterKey(randomBytes(32))
  const token = newToken()
  const sealedOld = seal('before rotation', token, keyring(old))
  const rotated = keyring(current, [old])
  assert.equal(open(sealedOld, token, rotated), 'before rotation')
  const sealedNew = seal('after', token, rotated)
  assert.deepEqual(sealedNew.subarray(1, 9), current.id)
  assert.throws(() => open(sealedNew, token, keyring(old)), /not configured/)
})
