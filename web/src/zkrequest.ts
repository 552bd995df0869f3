// The request envelope: an answer encrypted to the requester's public key, in the browser or CLI.
// ECDH P-256 between a key pair the holder makes for this answer alone and the requester's key,
// HKDF-SHA256 to an AES-256-GCM key. A text answer is "zkr1:<holder's public key|iv|ciphertext>";
// a file answer is the bytes "zkr1" | holder's public key | a zkf1 envelope under the derived key
// (zkfile.ts), streamed like any file.
import { fromBase64Url, toBase64Url } from './zk.ts'
import { ExactReader, openFileUnder, sealedFileLength, sealFileUnder, EnvelopeError, type FileInfo, type FileSource, type OpenedFile } from './zkfile.ts'

const PREFIX = 'zkr1:'
const CURVE = { name: 'ECDH', namedCurve: 'P-256' } as const
const PUBLIC_BYTES = 65 // an uncompressed P-256 point
const IV_BYTES = 12
const INFO = new TextEncoder().encode('burnlink.request.v1')
// A file answer's key is derived for files alone: a text key and a file key never coincide.
const FILE_INFO = new TextEncoder().encode('burnlink.request-file.v1')
const FILE_MAGIC = new TextEncoder().encode('zkr1')
const FILE_PREFIX_BYTES = FILE_MAGIC.length + PUBLIC_BYTES

export interface RequestKeys {
  /** The requester's public key (raw point, base64url): the request link's fragment. */
  publicKey: string
  /** The requester's private key (PKCS #8, base64url): the inbox link's fragment, nowhere else. */
  privateKey: string
}

export async function newRequestKeys (): Promise<RequestKeys> {
  const pair = await crypto.subtle.generateKey(CURVE, true, ['deriveBits'])
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))
  return { publicKey: toBase64Url(publicKey), privateKey: toBase64Url(privateKey) }
}

export function isPublicKey (fragment: string): boolean {
  return /^[A-Za-z0-9_-]{87}$/.test(fragment)
}

export function isPrivateKey (fragment: string): boolean {
  return /^[A-Za-z0-9_-]{60,400}$/.test(fragment)
}

export function isRequestEnvelope (secret: string): boolean {
  return secret.startsWith(PREFIX)
}

/** Encrypts an answer to the requester's public key; throws if the key is not a P-256 point. */
export async function sealTo (publicKey: string, plaintext: string): Promise<string> {
  const theirs = await crypto.subtle.importKey('raw', fromBase64Url(publicKey), CURVE, false, [])
  const mine = await crypto.subtle.generateKey(CURVE, true, ['deriveBits'])
  const mineRaw = new Uint8Array(await crypto.subtle.exportKey('raw', mine.publicKey))
  const key = await answerKey(mine.privateKey, theirs, mineRaw, INFO, ['encrypt'])
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(plaintext)))
  const packed = new Uint8Array(PUBLIC_BYTES + IV_BYTES + ciphertext.length)
  packed.set(mineRaw)
  packed.set(iv, PUBLIC_BYTES)
  packed.set(ciphertext, PUBLIC_BYTES + IV_BYTES)
  return PREFIX + toBase64Url(packed)
}

/** Opens an answer with the inbox link's private key; throws if either was altered. */
export async function openWith (privateKey: string, envelope: string): Promise<string> {
  if (!isRequestEnvelope(envelope)) throw new Error('not a zkr1 envelope')
  const packed = fromBase64Url(envelope.slice(PREFIX.length))
  const theirRaw = packed.slice(0, PUBLIC_BYTES)
  const theirs = await crypto.subtle.importKey('raw', theirRaw, CURVE, false, [])
  const mine = await crypto.subtle.importKey('pkcs8', fromBase64Url(privateKey), CURVE, false, ['deriveBits'])
  const key = await answerKey(mine, theirs, theirRaw, INFO, ['decrypt'])
  const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: packed.subarray(PUBLIC_BYTES, PUBLIC_BYTES + IV_BYTES) }, key, packed.subarray(PUBLIC_BYTES + IV_BYTES))
  return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
}

/** The largest answer whose envelope fits in maxBytes (what the server's limit counts). */
export function maxAnswerBytes (maxBytes: number): number {
  return Math.max(0, Math.floor((maxBytes - PREFIX.length) * 3 / 4) - PUBLIC_BYTES - IV_BYTES - 16)
}

export interface SealedAnswerFile {
  /** Bytes the parts add up to (the upload's Content-Length). */
  length: number
  /** The envelope in order, a chunk at a time. */
  parts: AsyncGenerator<Uint8Array<ArrayBuffer>, void>
}

/** Bytes a file answer of this size and header takes (what FILE_MAX_BYTES counts). */
export function sealedAnswerFileLength (info: FileInfo, size: number): number {
  return FILE_PREFIX_BYTES + sealedFileLength(info, size)
}

/** Encrypts a file to the requester's public key, as a stream; throws if the key is not a P-256 point. */
export async function sealFileTo (publicKey: string, info: FileInfo, source: FileSource): Promise<SealedAnswerFile> {
  const theirs = await crypto.subtle.importKey('raw', fromBase64Url(publicKey), CURVE, false, [])
  const mine = await crypto.subtle.generateKey(CURVE, true, ['deriveBits'])
  const mineRaw = new Uint8Array(await crypto.subtle.exportKey('raw', mine.publicKey))
  // The key pair is this answer's alone, so the derived key seals one file: zkf1's counter nonces hold.
  const key = await answerKey(mine.privateKey, theirs, mineRaw, FILE_INFO, ['encrypt'])
  const sealed = await sealFileUnder(key, info, source)
  const prefix = new Uint8Array(FILE_PREFIX_BYTES)
  prefix.set(FILE_MAGIC)
  prefix.set(mineRaw, FILE_MAGIC.length)
  async function * parts (): AsyncGenerator<Uint8Array<ArrayBuffer>, void> {
    yield prefix
    yield * sealed.parts
  }
  return { length: FILE_PREFIX_BYTES + sealed.length, parts: parts() }
}

/**
 * Opens a file answer with the inbox link's private key: the header now, the chunks as the caller
 * iterates (zkfile.ts's openFile). Throws EnvelopeError if the bytes are not a file answer or were
 * altered, or the key is not theirs.
 */
export async function openFileWith (privateKey: string, body: ReadableStream<Uint8Array>): Promise<OpenedFile> {
  const input = new ExactReader(body)
  const prefix = await input.read(FILE_PREFIX_BYTES)
  if (prefix === undefined || !FILE_MAGIC.every((byte, i) => prefix[i] === byte)) {
    input.release()
    throw new EnvelopeError('not a file answer (zkr1)')
  }
  let key: Key
  try {
    const theirRaw = prefix.slice(FILE_MAGIC.length)
    const theirs = await crypto.subtle.importKey('raw', theirRaw, CURVE, false, [])
    const mine = await crypto.subtle.importKey('pkcs8', fromBase64Url(privateKey), CURVE, false, ['deriveBits'])
    key = await answerKey(mine, theirs, theirRaw, FILE_INFO, ['decrypt'])
  } catch {
    input.release()
    throw new EnvelopeError('the file answer does not open with this inbox link\'s key')
  }
  return await openFileUnder(input, key)
}

// The Node and DOM type libraries name the key type differently; this works under both.
type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>

// The holder's one-off public key salts the HKDF: each answer gets a key of its own.
async function answerKey (privateKey: Key, publicKey: Key, salt: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer>, usages: Array<'encrypt' | 'decrypt'>): Promise<Key> {
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256)
  const material = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info }, material, { name: 'AES-GCM', length: 256 }, false, usages)
}
