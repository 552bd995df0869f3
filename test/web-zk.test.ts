// The browser's zero-knowledge envelope (web/src/zk.ts), run under Node's identical WebCrypto.
import assert from 'node:assert/strict'
import { webcrypto } from 'node:crypto'
import { test } from 'node:test'
import { envelopeLength, isEnvelope, isKey, maxPlaintextBytes, open, seal } from '../web/src/zk.ts'

test('seal and open round-trip any text, and the envelope length depends only on the text length', async () => {
  for (const text of ['a', 'pässwörd 🔑 "quoted"\n', 'x'.repeat(10_000), '\u0000\uFFFF']) {
    const sealed = await seal(text)
    assert.match(sealed.envelope, /^zk1:[A-Za-z0-9_-]+$/)
    assert.match(sealed.key, /^[A-Za-z0-9_-]{43}$/)
    assert.ok(isEnvelope(sealed.envelope) && isKey(sealed.key))
    assert.equal(sealed.envelope.length, envelopeLength(Buffer.byteLength(text)))
    assert.equal(await open(sealed.envelope, sealed.key), text)
  }
})

test('every seal uses a fresh key and IV: the same text never gives the same envelope', async () => {
  const a = await seal('same')
  const b = await seal('same')
  assert.notEqual(a.key, b.key)
  assert.notEqual(a.envelope.slice(4, 20), b.envelope.slice(4, 20))
})

test('a wrong key, or any changed byte of the envelope, fails to open', async () => {
  const sealed = await seal('authentic')
  const other = await seal('other')
  await assert.rejects(open(sealed.envelope, other.key))
  const packed = Buffer.from(sealed.envelope.slice(4), 'base64url')
  for (const index of [0, 11, 12, packed.length - 1]) {
    const tampered = Buffer.from(packed)
    tampered[index] = (tampered[index] ?? 0) ^ 1
    await assert.rejects(open(`zk1:${tampered.toString('base64url')}`, sealed.key), `byte ${index}`)
  }
  await assert.rejects(open('plain text', sealed.key))
  await assert.rejects(open(sealed.envelope, 'too-short'))
})

test('the envelope is standard AES-256-GCM: IV(12) ‖ ciphertext ‖ tag(16) under the fragment key', async () => {
  const sealed = await seal('interoperable')
  const packed = Buffer.from(sealed.envelope.slice(4), 'base64url')
  const key = await webcrypto.subtle.importKey('raw', Buffer.from(sealed.key, 'base64url'), 'AES-GCM', false, ['decrypt'])
  const plain = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: packed.subarray(0, 12) }, key, packed.subarray(12))
  assert.equal(Buffer.from(plain).toString('utf8'), 'interoperable')
})

test('maxPlaintextBytes is the largest text whose envelope fits the server limit', () => {
  for (const limit of [60, 61, 62, 63, 100, 200, 65_536, 1_000_000]) {
    const max = maxPlaintextBytes(limit)
    assert.ok(envelopeLength(max) <= limit, `limit ${limit}`)
    assert.ok(envelopeLength(max + 1) > limit, `limit ${limit}`)
  }
  assert.equal(maxPlaintextBytes(10), 0)
})
