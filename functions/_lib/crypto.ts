// Envelope encryption of one secret: AES-256-GCM under a key derived from the token and a master key.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import type { Token } from './token.ts'

const FORMAT_V1 = 1
const KEY_ID_BYTES = 8
const NONCE_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 1 + KEY_ID_BYTES + NONCE_BYTES

export interface MasterKey {
  /** First 8 bytes of SHA-256 of the key: names the key in each ciphertext, reveals nothing. */
  readonly id: Buffer
  readonly bytes: Buffer
}

export interface Keyring {
  readonly current: MasterKey
  /** Every key that may open a ciphertext, current first, by hex id. */
  readonly byId: ReadonlyMap<string, MasterKey>
}

export function masterKey (bytes: Buffer): MasterKey {
  return { id: createHash('sha256').update(bytes).digest().subarray(0, KEY_ID_BYTES), bytes }
}

export function keyring (current: MasterKey, previous: readonly MasterKey[] = []): Keyring {
  const byId = new Map<string, MasterKey>()
  for (const key of [current, ...previous]) byId.set(key.id.toString('hex'), key)
  return { current, byId }
}

/**
 * Layout (v1): version(1) | master key id(8) | nonce(12) | ciphertext | tag(16).
 * The header and the row id are authenticated, so a ciphertext cannot be moved to another row.
 */
export function seal (plaintext: string, token: Token, keys: Keyring): Buffer {
  const header = Buffer.alloc(HEADER_BYTES)
  header[0] = FORMAT_V1
  keys.current.id.copy(header, 1)
  const nonce = randomBytes(NONCE_BYTES)
  nonce.copy(header, 1 + KEY_ID_BYTES)
  const cipher = createCipheriv('aes-256-gcm', dataKey(token, keys.current), nonce)
  cipher.setAAD(Buffer.concat([header, token.id]))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([header, body, cipher.getAuthTag()])
}

export class DecryptionError extends Error {
  override name = 'DecryptionError'
}

export function open (sealed: Buffer, token: Token, keys: Keyring): string {
  if (sealed.length < HEADER_BYTES + TAG_BYTES || sealed[0] !== FORMAT_V1) {
    throw new DecryptionError('unknown ciphertext format')
  }
  const header = sealed.subarray(0, HEADER_BYTES)
  const key = keys.byId.get(header.subarray(1, 1 + KEY_ID_BYTES).toString('hex'))
  if (key === undefined) throw new DecryptionError('ciphertext was sealed with a master key that is not configured')
  const decipher = createDecipheriv('aes-256-gcm', dataKey(token, key), header.subarray(1 + KEY_ID_BYTES))
  decipher.setAAD(Buffer.concat([header, token.id]))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    throw new DecryptionError('ciphertext failed authentication')
  }
}

// The master key is the HKDF salt (the extract step's HMAC key) and the token the input keying
// material: neither a database dump plus the token's hash, nor the master key alone, yields it.
function dataKey (token: Token, key: MasterKey): Buffer {
  return Buffer.from(hkdfSync('sha256', token.bytes, key.bytes, 'burnlink.data-key.v1', 32))
}
