// Zero-knowledge envelope: AES-256-GCM in the browser; the server stores only "zk1:<iv+ciphertext>".
const PREFIX = 'zk1:'
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/

export interface Sealed {
  /** What is sent to the server as the secret. */
  envelope: string
  /** 32 random bytes, base64url: goes only into the link's #fragment. */
  key: string
}

export async function seal (plaintext: string): Promise<Sealed> {
  const rawKey = crypto.getRandomValues(new Uint8Array(32))
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt'])
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(plaintext)))
  const packed = new Uint8Array(IV_BYTES + ciphertext.length)
  packed.set(iv)
  packed.set(ciphertext, IV_BYTES)
  return { envelope: PREFIX + toBase64Url(packed), key: toBase64Url(rawKey) }
}

export function isEnvelope (secret: string): boolean {
  return secret.startsWith(PREFIX)
}

export function isKey (fragment: string): boolean {
  return KEY_PATTERN.test(fragment)
}

/** Throws if the key is wrong or the envelope was altered (GCM authenticates both). */
export async function open (envelope: string, fragmentKey: string): Promise<string> {
  if (!isEnvelope(envelope) || !isKey(fragmentKey)) throw new Error('not a zk1 envelope or key')
  const packed = fromBase64Url(envelope.slice(PREFIX.length))
  const key = await crypto.subtle.importKey('raw', fromBase64Url(fragmentKey), 'AES-GCM', false, ['decrypt'])
  const plaintext = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: packed.subarray(0, IV_BYTES) }, key, packed.subarray(IV_BYTES))
  return new TextDecoder('utf-8', { fatal: true }).decode(plaintext)
}

/** Length of the envelope for a plaintext of this many UTF-8 bytes (what the server's limit counts). */
export function envelopeLength (plaintextBytes: number): number {
  return PREFIX.length + Math.ceil((IV_BYTES + plaintextBytes + TAG_BYTES) * 4 / 3)
}

/** The largest plaintext whose envelope fits in maxBytes. */
export function maxPlaintextBytes (maxBytes: number): number {
  return Math.max(0, Math.floor((maxBytes - PREFIX.length) * 3 / 4) - IV_BYTES - TAG_BYTES)
}

/** The link's key and the text envelope's encoding (shared with the file envelope, zkfile.ts). */
export function toBase64Url (bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64Url (text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
