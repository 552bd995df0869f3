// The request envelope: an answer encrypted to the requester's public key, in the browser or CLI.
// ECDH P-256 between a key pair the holder makes for this answer alone and the requester's key,
// HKDF-SHA256 to an AES-256-GCM key. The server stores "zkr1:<holder's public key|iv|ciphertext>".
import { fromBase64Url, toBase64Url } from './zk.ts'

const PREFIX = 'zkr1:'
const CURVE = { name: 'ECDH', namedCurve: 'P-256' } as const
const PUBLIC_BYTES = 65 // an uncompressed P-256 point
const IV_BYTES = 12
const INFO = new TextEncoder().encode('burnlink.request.v1')

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
  const key = await answerKey(mine.privateKey, theirs, mineRaw, ['encrypt'])
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
  const key = await answerKey(mine, theirs, theirRaw, ['decrypt'])
  const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: packed.subarray(PUBLIC_BYTES, PUBLIC_BYTES + IV_BYTES) }, key, packed.subarray(PUBLIC_BYTES + IV_BYTES))
  return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
}

/** The largest answer whose envelope fits in maxBytes (what the server's limit counts). */
export function maxAnswerBytes (maxBytes: number): number {
  return Math.max(0, Math.floor((maxBytes - PREFIX.length) * 3 / 4) - PUBLIC_BYTES - IV_BYTES - 16)
}

// The Node and DOM type libraries name the key type differently; this works under both.
type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>

// The holder's one-off public key salts the HKDF: each answer gets a key of its own.
async function answerKey (privateKey: Key, publicKey: Key, salt: Uint8Array<ArrayBuffer>, usages: Array<'encrypt' | 'decrypt'>): Promise<Key> {
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: publicKey }, privateKey, 256)
  const material = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: INFO }, material, { name: 'AES-GCM', length: 256 }, false, usages)
}
