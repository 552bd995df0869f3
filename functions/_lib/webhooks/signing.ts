// Standard Webhooks signing: the notify secret (whsec_…), stored sealed, and the v1 signature.
import { createHmac, hash, randomBytes } from 'node:crypto'
import { open, seal, type Keyring } from '../secrets/crypto.ts'
import type { Token } from '../secrets/token.ts'

const SECRET_BYTES = 32
const SEALING_LABEL = Buffer.from('burnlink.notify-secret.v1')

/** whsec_ and the base64 of 32 random bytes, as Standard Webhooks libraries expect it. */
export function newNotifySecret (): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`
}

// Sealed like a secret, with a fixed label for the token bytes: the data key then derives from the
// master key alone (the delivery job has nothing else), and the ref in the authenticated data ties
// the sealed secret to its row.
function sealingToken (ref: string): Token {
  return { key: '', bytes: SEALING_LABEL, id: hash('sha256', `notify:${ref}`, 'buffer'), ref }
}

export function sealNotifySecret (secret: string, ref: string, keys: Keyring): Buffer {
  return seal(secret, sealingToken(ref), keys)
}

export function openNotifySecret (sealed: Buffer, ref: string, keys: Keyring): string {
  return open(sealed, sealingToken(ref), keys)
}

/** webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> under the bytes after whsec_. */
export function signature (secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}
