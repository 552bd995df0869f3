// A file's bytes on their way into and out of secret_chunk, a chunk at a time: the server never
// holds more than about two chunks of any one file, whatever its size.
import { Readable } from 'node:stream'
import type { Sql } from '../platform/database.ts'
import { FileIncomplete, FileTransferTimeout } from '../platform/errors.ts'
import { CHUNK_OVERHEAD_BYTES, chunkMasterKeyId, DecryptionError, fileKey, openChunk, sealChunk, type FileKey, type Keyring } from './crypto.ts'
import { endTransfer, insertChunk, takeChunk, TRANSFER_SECONDS } from './file-statements.ts'
import type { Token } from './token.ts'

/**
 * Bytes of the client's ciphertext per stored chunk. Large enough that a file of the default
 * FILE_MAX_BYTES is a few dozen statements, small enough that many files moving at once hold
 * little memory each.
 */
export const CHUNK_BYTES = 512 * 1024

/** A transfer that moves nothing for this long is cut off (a stalled client holds a chunk and a place). */
export const IDLE_MS = 60_000

export function chunkCount (bytes: number): number {
  return Math.ceil(bytes / CHUNK_BYTES)
}

/** Bytes a file of `bytes` takes in secret_chunk, sealed: what the storage quota counts, as for text. */
export function storedBytes (bytes: number): number {
  return bytes + chunkCount(bytes) * CHUNK_OVERHEAD_BYTES
}

/**
 * Stores `size` bytes from `body` as sealed chunks under the upload opened for `token`, one
 * autocommit statement per chunk: no transaction stays open, and no pool connection is held,
 * while a slow client sends. Reading waits for each insert, so a fast client is slowed to the
 * database's pace by TCP's own backpressure. Throws when the body ends early, stalls or outlasts
 * the transfer's deadline; the caller then removes what was stored.
 */
export async function storeChunks (sql: Sql, token: Token, key: FileKey, size: number, body: AsyncIterable<Buffer>, stall: Watchdog): Promise<number> {
  const count = chunkCount(size)
  const deadline = Date.now() + TRANSFER_SECONDS * 1000
  let pending: Buffer[] = []
  let pendingBytes = 0
  let received = 0
  let index = 0
  const flush = async (bytes: Buffer): Promise<void> => {
    if (Date.now() > deadline) throw new FileTransferTimeout()
    await insertChunk(sql, token.id, index, sealChunk(key, token, index, count, bytes))
    index++
  }
  for await (const piece of body) {
    stall.touch()
    // Node's parser never delivers more than Content-Length; this guards the count, not the wire.
    received += piece.length
    if (received > size) throw new FileIncomplete(size)
    pending.push(piece)
    pendingBytes += piece.length
    if (pendingBytes >= CHUNK_BYTES) {
      const joined = Buffer.concat(pending, pendingBytes)
      await flush(joined.subarray(0, CHUNK_BYTES))
      pending = pendingBytes > CHUNK_BYTES ? [joined.subarray(CHUNK_BYTES)] : []
      pendingBytes -= CHUNK_BYTES
    }
  }
  if (stall.fired) throw new FileTransferTimeout()
  if (received !== size) throw new FileIncomplete(size)
  if (pendingBytes > 0) await flush(Buffer.concat(pending, pendingBytes))
  if (index !== count) throw new Error(`stored ${index} chunks of ${count}`)
  return count
}

export interface Download {
  sql: Sql
  token: Token
  keys: Keyring
  passphraseKey: Buffer | undefined
  chunks: number
  /** Touched each time the socket asks for more; fires when a reader stops reading. */
  stall: Watchdog
}

/**
 * The file's plaintext (the client's ciphertext) as a stream that reads, opens and deletes one
 * chunk each time the socket asks for more. The first chunk is read before this returns, so a
 * file that cannot be opened fails before any header is sent. Ending, or breaking off, removes
 * whatever is left of the file.
 */
export async function openDownload (d: Download): Promise<Readable> {
  const first = await takeChunk(d.sql, d.token.id, 0)
  if (first === undefined) throw new DecryptionError('the file has no first chunk')
  const key = fileKey(d.token, d.keys, d.passphraseKey, chunkMasterKeyId(first))
  const firstPlain = openChunk(key, d.token, 0, d.chunks, first)
  let next = 0
  return new Readable({
    // One chunk at a time: the stream asks for the next only when the last has left its buffer.
    highWaterMark: 1,
    read () {
      d.stall.touch()
      const index = next++
      if (index === 0) {
        this.push(firstPlain)
        if (d.chunks === 1) this.push(null)
        return
      }
      takeChunk(d.sql, d.token.id, index).then((sealed) => {
        if (sealed === undefined) throw new DecryptionError(`chunk ${index} of ${d.chunks} is missing`)
        this.push(openChunk(key, d.token, index, d.chunks, sealed))
        if (index === d.chunks - 1) this.push(null)
      }).catch((err: unknown) => { this.destroy(err as Error) })
    },
    destroy (err, done) {
      d.stall.stop()
      endTransfer(d.sql, d.token.id).then(() => { done(err) }, (cleanup: unknown) => { done(err ?? cleanup as Error) })
    }
  })
}

/** Fires once when touch() has not been called for IDLE_MS. */
export interface Watchdog {
  touch: () => void
  stop: () => void
  readonly fired: boolean
}

export function watchdog (onIdle: () => void, ms = IDLE_MS): Watchdog {
  let fired = false
  const timer = setTimeout(() => { fired = true; onIdle() }, ms)
  timer.unref()
  return {
    touch: () => { timer.refresh() },
    stop: () => { clearTimeout(timer) },
    get fired () { return fired }
  }
}
