// Token format and envelope encryption: round trip, tamper detection, key rotation.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { hash } from '@node-rs/argon2'
import { DecryptionError, keyring, masterKey, open, passphraseSalt, seal } from '../functions/_lib/secrets/crypto.ts'
import { bucketLength } from '../functions/_lib/secrets/padding.ts'
import { checkPassphrase, deriveLegacyPassphraseKey, hashPassphrase, HashPool } from '../functions/_lib/secrets/passphrase.ts'
import { newToken, parseToken } from '../functions/_lib/secrets/token.ts'

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
    // (a one-byte text is bound to occur somewhere in random bytes; longer ones must not)
    if (Buffer.byteLength(text) >= 8) assert.ok(!sealed.includes(Buffer.from(text)))
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

// Sealed by the code of commit 77a963a and kept as they are: whatever changes in the derivation
// or the cipher's code, secrets already stored must still open. The master key is bytes 0–31,
// the token bytes 255 down to 224. Format 1 is built to its layout (unpadded, no flags byte, HKDF
// info v1), as the releases before format 2 wrote it.
const KNOWN_ANSWER = {
  plaintext: 'known answer: correct horse battery staple ✓',
  token: '__79_Pv6-fj39vX08_Lx8O_u7ezr6uno5-bl5OPi4eA',
  v1: 'AWMNzSlmxDNmBQUFBQUFBQUFBQUF8OGRKsLiNa5gXpIteScEiYRVcfZ5e9kcoknArk0dueFucZsaFn8aOr2BmCSpF+COwIq+MuKXdEAquELlxzY=',
  v2: 'AmMNzSlmxDNmAJ05OmXUT+xf5umzQQV/CG0ntEKoVOQY0NIiPbkBdjo37tZByjG/8TpHsBAJQsNIhna0xFNsNUOhgp4LXsdCauWzlDci1efxPcxZpLKj7BcjZr6nqkIIDmnR6GN/6znckKXI6WSqX2klokqhj30qMbwTQqsUedbqMxMsOG6n93uAzRwXztcVCyYvQXmH47uqmvc4zlOViGYUetZY46wKA0dXRqXxuihUMOK71P8bHRMg793+fxkNzHxGSm4aLhgLwc5zgaiwRPbDZZ4VFyuc1jKKu7SP76Lf1/P5gycZ3i0rf/1FgzBzPx6b3bPDvcqmd9tIJQUSSZNSGAKTybzob5Rmnnc1He29cOnrMmecSNQTaq9JzUEVSr/hYNr6',
  // Gated: passphrase salt 16 × 0x07, the passphrase's key share 32 × 0x09.
  v2Gated: 'AmMNzSlmxDNmAQcHBwcHBwcHBwcHBwcHBwcNcumTUNO+VxTVtt7YIAo3oDb9gQw2/ImxzoRuMGpe2jh3D//LoXUkXIno5Z5rmdo3IJTJJiRzGvMtgRsDbwIOEGlsUouS74f7mfJO0inIQzf9fSyOFyvY0sv4ciaUBCxQj/TI4VizyLhDgSfbQ6YbIIx3sKIEHBNEEnL5sUHqp1TNI4OADYAdgiXedixXfi2C7IWVtmKQISx/eZJFKzHOcfQVg8jXpmDD+XIx5BrP7eJPzkgvGut8LboSBhhBwiWlrpFcGQOnM6vLk4EfzxIfRz4scxuV7j42Kd+A2HaljnY3DeaQa6l+mSn/YqW+dP0jPiHsG4o4OMoAxki2QMHkDu70pR4Vqi5qMHT6zRJ8y2L3IVcyIFln78eXiA=='
}

test('ciphertexts sealed by earlier releases still open: formats 1 and 2, with and without a passphrase', () => {
  const known = keyring(masterKey(Buffer.from(Array.from({ length: 32 }, (_, i) => i))))
  const token = parseToken(KNOWN_ANSWER.token)
  assert.ok(token !== undefined)
  assert.equal(open(Buffer.from(KNOWN_ANSWER.v1, 'base64'), token, known), KNOWN_ANSWER.plaintext)
  assert.equal(open(Buffer.from(KNOWN_ANSWER.v2, 'base64'), token, known), KNOWN_ANSWER.plaintext)
  assert.equal(open(Buffer.from(KNOWN_ANSWER.v2Gated, 'base64'), token, known, Buffer.alloc(32, 9)), KNOWN_ANSWER.plaintext)
  assert.throws(() => open(Buffer.from(KNOWN_ANSWER.v2Gated, 'base64'), token, known, Buffer.alloc(32, 8)), DecryptionError)
})

test('ciphertext length depends only on the size bucket, not on the exact length', () => {
  const token = newToken()
  const lengths = new Set(['a', 'hunter2', 'x'.repeat(100), 'y'.repeat(255)].map((text) => seal(text, token, keys).length))
  assert.equal(lengths.size, 1, 'all short secrets look alike')
  assert.ok(seal('z'.repeat(1024), token, keys).length < 1300, '1 KiB stays under 1.3 KiB')
  assert.equal(bucketLength(255), 256)
  assert.equal(bucketLength(256), 288)
  assert.equal(bucketLength(1024), 1152)
  for (let n = 0; n < 5000; n += 37) assert.ok(bucketLength(n) > n && bucketLength(n) <= Math.max(256, n * 1.125 + 2))
})

test('a passphrase-gated ciphertext opens only with the key share that checking the right passphrase gives', async () => {
  const pool = new HashPool(1)
  const token = newToken()
  const hashed = await hashPassphrase(pool, 'correct horse')
  assert.equal(pool.completed, 1, 'one Argon2id run for the stored check and the key share')
  assert.match(hashed.encoded, /^\$burnlink-argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
  assert.ok(!hashed.encoded.includes(hashed.key.key.toString('base64').slice(0, 20)), 'the stored form does not hold the key share')
  const sealed = seal('gated', token, keys, hashed.key)
  assert.deepEqual(passphraseSalt(sealed), hashed.key.salt)
  assert.equal(passphraseSalt(seal('plain', token, keys)), undefined)
  assert.throws(() => open(sealed, token, keys), /needs its passphrase/)

  assert.deepEqual(await checkPassphrase(pool, hashed.encoded, 'correct horsE'), { ok: false })
  const right = await checkPassphrase(pool, hashed.encoded, 'correct horse')
  assert.equal(pool.completed, 3, 'one run per check')
  assert.ok(right.ok && right.key !== undefined)
  assert.equal(open(sealed, token, keys, right.key.key), 'gated')
  // A second passphrase's hash of the same text differs (its own salt), and so does its key share.
  const again = await hashPassphrase(pool, 'correct horse')
  assert.notEqual(again.encoded, hashed.encoded)
  assert.throws(() => open(sealed, token, keys, again.key.key), DecryptionError)
})

test('a passphrase stored in the older form (a PHC hash, the key share a second run) is still checked and opens its secret', async () => {
  const pool = new HashPool(1)
  const token = newToken()
  const encoded = await hash('correct horse', { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 })
  const share = await deriveLegacyPassphraseKey(pool, 'correct horse', randomBytes(16))
  const sealed = seal('gated before', token, keys, share)
  assert.deepEqual(await checkPassphrase(pool, encoded, 'correct horsE'), { ok: false })
  assert.deepEqual(await checkPassphrase(pool, encoded, 'correct horse'), { ok: true, key: undefined }, 'no key share from a PHC check')
  const salt = passphraseSalt(sealed)
  assert.ok(salt !== undefined)
  const derived = await deriveLegacyPassphraseKey(pool, 'correct horse', salt)
  assert.equal(open(sealed, token, keys, derived.key), 'gated before')
  const wrong = await deriveLegacyPassphraseKey(pool, 'correct horsE', salt)
  assert.throws(() => open(sealed, token, keys, wrong.key), DecryptionError)
})

test('a stored passphrase hash that is neither form is an error, never a match', async () => {
  const pool = new HashPool(1)
  const { encoded } = await hashPassphrase(pool, 'correct horse')
  for (const broken of [encoded.slice(0, -1), encoded.replace('burnlink-argon2id', 'argon2i'), encoded.replace('v=19', 'v=16'), '']) {
    await assert.rejects(checkPassphrase(pool, broken, 'correct horse'), /unrecognised passphrase hash/, broken)
  }
})
