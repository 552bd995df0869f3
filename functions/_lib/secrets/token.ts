// The secret key: 256 random bits, base64url. The database only ever sees hashes derived from it.
import { hash } from 'node:crypto'
import { randomBytes } from 'node:crypto'

const TOKEN_BYTES = 32
// 32 bytes are 43 base64url characters; the last one carries 4 padding bits that must be zero,
// so that each token has exactly one spelling (no two URLs for one secret).
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/
export const TOKEN_PATTERN_SOURCE = TOKEN_PATTERN.source

export interface Token {
  /** The key as the user holds it (URL-safe). */
  readonly key: string
  /** Its 32 raw bytes: input to the data-key derivation. */
  readonly bytes: Buffer
  /** SHA-256 of the bytes: the row's primary key. Plain SHA-256 suffices for 256 random bits. */
  readonly id: Buffer
  /** An audit reference: links a secret's events, cannot be turned back into the key. */
  readonly ref: string
}

export function newToken (): Token {
  const bytes = randomBytes(TOKEN_BYTES)
  return fromBytes(bytes.toString('base64url'), bytes)
}

/** Returns undefined for anything that is not a well-formed key, so callers answer 404 at once. */
export function parseToken (key: string): Token | undefined {
  if (!TOKEN_PATTERN.test(key)) return undefined
  return fromBytes(key, Buffer.from(key, 'base64url'))
}

const REF_PREFIX = Buffer.from('burnlink.secret_ref.v1')

// One-shot crypto.hash, not createHash: building Hash objects is most of the cost of these two
// digests, and a create derives two tokens.
function fromBytes (key: string, bytes: Buffer): Token {
  const id = hash('sha256', bytes, 'buffer')
  // Hashing the id (not the token) lets an administrator compute a row's ref from the table.
  const ref = hash('sha256', Buffer.concat([REF_PREFIX, id]), 'hex').slice(0, 24)
  return { key, bytes, id, ref }
}
