// Pads plaintext to size buckets, so a ciphertext's length does not tell a password's length.

const MIN_BUCKET = 256
const MARKER = 0x80

/**
 * Every text shorter than MIN_BUCKET becomes MIN_BUCKET bytes, so short lengths are hidden
 * completely; above that, lengths round up to the next eighth of their power of two, so padding
 * never adds more than an eighth and a secret stays within its per-secret storage budget.
 */
export function bucketLength (bytes: number): number {
  const needed = bytes + 1 // the end marker
  if (needed <= MIN_BUCKET) return MIN_BUCKET
  const step = 2 ** (Math.floor(Math.log2(needed - 1)) - 3)
  return Math.ceil(needed / step) * step
}

/** ISO/IEC 7816-4 padding: the text, 0x80, then zeros up to the bucket. */
export function pad (text: Buffer): Buffer {
  const padded = Buffer.alloc(bucketLength(text.length))
  text.copy(padded)
  padded[text.length] = MARKER
  return padded
}

export function unpad (padded: Buffer): Buffer {
  const end = padded.lastIndexOf(MARKER)
  if (end === -1 || padded.subarray(end + 1).some((byte) => byte !== 0)) throw new Error('bad padding')
  return padded.subarray(0, end)
}
