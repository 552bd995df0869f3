// Random bytes for tokens and nonces, drawn from a block refilled by one call into OpenSSL.
import { randomFillSync } from 'node:crypto'

// Each crypto.randomBytes call has a fixed cost (~5 µs here, whatever the size): a create needs
// three (two tokens and a nonce), which the CPU profile put at 5.5 % of a create's server CPU.
// scripts/bench/random-bytes.ts: 16–18 µs for the three calls, under 1 µs from the block.
// Node's randomUUID() buffers its randomness the same way. Bytes handed out are zeroed in the
// block at once, so the block never holds a value that was already used.
const BLOCK_BYTES = 4096
const block = Buffer.allocUnsafeSlow(BLOCK_BYTES)
let offset = BLOCK_BYTES

/** `size` cryptographically strong random bytes (size ≤ 4096), in a Buffer of their own. */
export function randomBytes (size: number): Buffer {
  if (size > BLOCK_BYTES) throw new RangeError(`randomBytes: at most ${BLOCK_BYTES} bytes at a time`)
  if (offset + size > BLOCK_BYTES) {
    randomFillSync(block)
    offset = 0
  }
  const out = Buffer.allocUnsafe(size)
  block.copy(out, 0, offset, offset + size)
  block.fill(0, offset, offset + size)
  offset += size
  return out
}
