// Envelope encryption of one secret (text, or a file's chunks): AES-256-GCM under a key derived
// from the token and a master key.
import { createCipheriv, createDecipheriv, createHash, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'
import { pad, unpad } from './padding.ts'
import { randomBytes } from 'node:crypto'
import type { Token } from './token.ts'

const FORMAT_V1 = 1 // unpadded, token + master key only (read, never written)
const FORMAT_V2 = 2 // padded; optionally a passphrase-derived key too
const FORMAT_CHUNK = 3 // one chunk of a file; optionally a passphrase-derived key too
const FLAG_PASSPHRASE = 0x01
const KEY_ID_BYTES = 8
const NONCE_BYTES = 12
const TAG_BYTES = 16
export const PASSPHRASE_SALT_BYTES = 16

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

/** Argon2id output of the passphrase under `salt` (see passphrase.ts): a third key input. */
export interface PassphraseKey {
  readonly salt: Buffer
  readonly key: Buffer
}

export function masterKey (bytes: Buffer): MasterKey {
  return { id: createHash('sha256').update(bytes).digest().subarray(0, KEY_ID_BYTES), bytes }
}

export function keyring (current: MasterKey, previous: readonly MasterKey[] = []): Keyring {
  const byId = new Map<string, MasterKey>()
  for (const key of [current, ...previous]) byId.set(key.id.toString('hex'), key)
  return { current, byId }
}

export class DecryptionError extends Error {
  override name = 'DecryptionError'
}

/**
 * Layout (v2): 0x02 | master key id(8) | flags(1) | [passphrase salt(16)] | nonce(12) | ciphertext | tag(16).
 * The header and the row id are authenticated, so a ciphertext cannot be moved to another row;
 * the plaintext is padded (padding.ts) before encryption.
 */
export function seal (plaintext: string, token: Token, keys: Keyring, passphrase?: PassphraseKey): Buffer {
  const head = Buffer.alloc(1 + KEY_ID_BYTES + 1)
  head[0] = FORMAT_V2
  keys.current.id.copy(head, 1)
  head[1 + KEY_ID_BYTES] = passphrase === undefined ? 0 : FLAG_PASSPHRASE
  const nonce = randomBytes(NONCE_BYTES)
  const header = Buffer.concat(passphrase === undefined ? [head, nonce] : [head, passphrase.salt, nonce])
  const cipher = createCipheriv('aes-256-gcm', dataKey(FORMAT_V2, token, keys.current, passphrase?.key), nonce)
  cipher.setAAD(Buffer.concat([header, token.id]))
  const body = Buffer.concat([cipher.update(pad(Buffer.from(plaintext, 'utf8'))), cipher.final()])
  return Buffer.concat([header, body, cipher.getAuthTag()])
}

/** The salt a passphrase-gated ciphertext needs its passphrase key derived with, if any. */
export function passphraseSalt (sealed: Buffer): Buffer | undefined {
  if (sealed[0] !== FORMAT_V2 || ((sealed[1 + KEY_ID_BYTES] ?? 0) & FLAG_PASSPHRASE) === 0) return undefined
  const start = 2 + KEY_ID_BYTES
  return sealed.subarray(start, start + PASSPHRASE_SALT_BYTES)
}

export function open (sealed: Buffer, token: Token, keys: Keyring, passphraseKey?: Buffer): string {
  const version = sealed[0]
  const salt = passphraseSalt(sealed)
  const headerBytes = version === FORMAT_V1
    ? 1 + KEY_ID_BYTES + NONCE_BYTES
    : 2 + KEY_ID_BYTES + (salt === undefined ? 0 : PASSPHRASE_SALT_BYTES) + NONCE_BYTES
  if ((version !== FORMAT_V1 && version !== FORMAT_V2) || sealed.length < headerBytes + TAG_BYTES) {
    throw new DecryptionError('unknown ciphertext format')
  }
  if (salt !== undefined && passphraseKey === undefined) throw new DecryptionError('this ciphertext needs its passphrase')
  const header = sealed.subarray(0, headerBytes)
  const key = keys.byId.get(header.subarray(1, 1 + KEY_ID_BYTES).toString('hex'))
  if (key === undefined) throw new DecryptionError('ciphertext was sealed with a master key that is not configured')
  const decipher = createDecipheriv('aes-256-gcm', dataKey(version, token, key, salt === undefined ? undefined : passphraseKey), header.subarray(headerBytes - NONCE_BYTES))
  decipher.setAAD(Buffer.concat([header, token.id]))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  let plain: Buffer
  try {
    plain = Buffer.concat([decipher.update(sealed.subarray(headerBytes, sealed.length - TAG_BYTES)), decipher.final()])
  } catch {
    throw new DecryptionError('ciphertext failed authentication')
  }
  return (version === FORMAT_V1 ? plain : unpad(plain)).toString('utf8')
}

/**
 * The server's layer over a file: one data key (one HKDF run) for all of its chunks. A file's
 * passphrase share always comes from the one-run format (files are younger than the older one),
 * so unlike text its chunks need no salt.
 */
export interface FileKey {
  readonly masterKeyId: Buffer
  readonly passphrase: boolean
  readonly key: KeyObject
}

export function fileKey (token: Token, keys: Keyring, passphraseKey?: Buffer, masterKeyId: Buffer = keys.current.id): FileKey {
  const master = keys.byId.get(masterKeyId.toString('hex'))
  if (master === undefined) throw new DecryptionError('chunk was sealed with a master key that is not configured')
  return { masterKeyId: master.id, passphrase: passphraseKey !== undefined, key: dataKey(FORMAT_CHUNK, token, master, passphraseKey) }
}

const CHUNK_HEADER_BYTES = 2 + KEY_ID_BYTES + NONCE_BYTES
export const CHUNK_OVERHEAD_BYTES = CHUNK_HEADER_BYTES + TAG_BYTES

/**
 * Layout: 0x03 | master key id(8) | flags(1) | nonce(12) | ciphertext | tag(16). The row id, the
 * chunk's index and the file's chunk count are authenticated with the header: a chunk cannot be
 * moved to another file or place, and a file cannot be cut short or reordered unnoticed.
 */
export function sealChunk (file: FileKey, token: Token, index: number, count: number, plaintext: Buffer): Buffer {
  const header = Buffer.alloc(CHUNK_HEADER_BYTES)
  header[0] = FORMAT_CHUNK
  file.masterKeyId.copy(header, 1)
  header[1 + KEY_ID_BYTES] = file.passphrase ? FLAG_PASSPHRASE : 0
  randomBytes(NONCE_BYTES).copy(header, 2 + KEY_ID_BYTES)
  const cipher = createCipheriv('aes-256-gcm', file.key, header.subarray(2 + KEY_ID_BYTES))
  cipher.setAAD(chunkAad(header, token, index, count))
  return Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
}

/** The master key a chunk names, to build its FileKey with. */
export function chunkMasterKeyId (sealed: Buffer): Buffer {
  if (sealed[0] !== FORMAT_CHUNK || sealed.length < CHUNK_OVERHEAD_BYTES) throw new DecryptionError('unknown chunk format')
  return sealed.subarray(1, 1 + KEY_ID_BYTES)
}

export function openChunk (file: FileKey, token: Token, index: number, count: number, sealed: Buffer): Buffer {
  if (!chunkMasterKeyId(sealed).equals(file.masterKeyId)) throw new DecryptionError('chunk was sealed with another master key')
  if ((((sealed[1 + KEY_ID_BYTES] ?? 0) & FLAG_PASSPHRASE) !== 0) !== file.passphrase) throw new DecryptionError('chunk and key disagree about the passphrase')
  const header = sealed.subarray(0, CHUNK_HEADER_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', file.key, header.subarray(2 + KEY_ID_BYTES))
  decipher.setAAD(chunkAad(header, token, index, count))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(sealed.subarray(CHUNK_HEADER_BYTES, sealed.length - TAG_BYTES)), decipher.final()])
  } catch {
    throw new DecryptionError('chunk failed authentication')
  }
}

function chunkAad (header: Buffer, token: Token, index: number, count: number): Buffer {
  const place = Buffer.alloc(8)
  place.writeUInt32BE(index, 0)
  place.writeUInt32BE(count, 4)
  return Buffer.concat([header, token.id, place])
}

// The master key is the HKDF salt (the extract step's HMAC key) and the token the input keying
// material: neither a database dump plus the token's hash, nor the master key alone, yields it.
// A gated secret appends the passphrase key, so the link plus the server's key is not enough either.
// KeyObjects, not Buffers: Node re-validates a Buffer key on every call, which costs more CPU than
// AES itself.
function dataKey (version: number, token: Token, key: MasterKey, passphraseKey?: Buffer): KeyObject {
  const ikm = createSecretKey(passphraseKey === undefined ? token.bytes : Buffer.concat([token.bytes, passphraseKey]))
  return createSecretKey(Buffer.from(hkdfSync('sha256', ikm, key.bytes, `burnlink.data-key.v${version}`, 32)))
}
