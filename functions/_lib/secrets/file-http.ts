// A file's transfers as HTTP sees them, shared by files and requests' file answers. An upload: the
// declared size checked before a byte of the body is read, then the body streamed into chunks
// under a stall watchdog, and on any failure whatever was stored removed and the connection
// closed. A download: the taken file streamed out a chunk at a time.
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Sql } from '../platform/database.ts'
import { FileEmpty, FileIncomplete, FileLengthRequired, FileOverQuota, FileTooLarge, FileTransferTimeout } from '../platform/errors.ts'
import { sendContinue } from '../platform/expect-continue.ts'
import type { FileKey, Keyring } from './crypto.ts'
import { endTransfer, type TakenFile } from './file-statements.ts'
import { openDownload, storeChunks, storedBytes, watchdog } from './file-store.ts'
import type { Token } from './token.ts'

export interface Declared {
  /** The body's bytes, from Content-Length. */
  readonly size: number
  readonly body: Readable
}

/**
 * The upload's size, checked on its headers alone: no Content-Length is a 411; more than
 * FILE_MAX_BYTES, or more than the whole storage quota (which no wait could make room for), a 413;
 * nothing, a 400. `quotaBytes` 0 means no quota.
 */
export function declaredUpload (request: FastifyRequest, maxBytes: number, quotaBytes: number): Declared {
  const declared = request.headers['content-length']
  if (declared === undefined) throw new FileLengthRequired()
  const size = Number(declared)
  if (size > maxBytes) throw new FileTooLarge(size, maxBytes, describeBytes(maxBytes))
  if (quotaBytes > 0 && storedBytes(size) > quotaBytes) throw new FileOverQuota(storedBytes(size), quotaBytes)
  if (size === 0 || !(request.body instanceof Readable)) throw new FileEmpty()
  return { size, body: request.body }
}

export interface Receive {
  readonly sql: Sql
  readonly reply: FastifyReply
  /** The upload, opened by the caller (startUpload, startAnswerUpload) under token.id. */
  readonly token: Token
  readonly key: FileKey
  readonly upload: Declared
}

/**
 * Sends 100 Continue, stores the body as chunks, then hands their count to `publish`, which makes
 * the file a secret (and throws when it cannot). A client that stops sending for long is cut off:
 * it would hold a chunk's memory and a place. If anything fails, the chunks stored so far go, and
 * the rest of the body is not read, so the connection closes.
 */
export async function receiveUpload<T> (r: Receive, publish: (chunks: number) => Promise<T>): Promise<T> {
  const { body, size } = r.upload
  const stall = watchdog(() => { body.destroy(new FileTransferTimeout()) })
  try {
    sendContinue(r.reply)
    const chunks = await storeChunks(r.sql, r.token, r.key, size, body, stall)
    return await publish(chunks)
  } catch (err) {
    void r.reply.header('connection', 'close')
    await endTransfer(r.sql, r.token.id)
    // A client gone mid-upload: its socket's error is no database outage.
    if (err === body.errored && !(err instanceof FileTransferTimeout)) throw new FileIncomplete(size)
    throw err
  } finally {
    stall.stop()
  }
}

export interface Send {
  readonly sql: Sql
  readonly token: Token
  readonly keys: Keyring
  readonly passphraseKey: Buffer | undefined
  /** The file just taken (takeFile): its row is gone, its chunks are leased for the download. */
  readonly file: TakenFile
}

/**
 * Streams a taken file as the response, an attachment of its exact length (the handler then
 * returns the reply). A reader that stops
 * reading is cut off; the file is gone either way. A file whose first chunk cannot be opened fails
 * before any header is sent, and its chunks go.
 */
export async function sendFile (reply: FastifyReply, s: Send): Promise<void> {
  const stall = watchdog(() => { reply.raw.destroy() })
  let stream
  try {
    stream = await openDownload({ sql: s.sql, token: s.token, keys: s.keys, passphraseKey: s.passphraseKey, chunks: s.file.file_chunks, stall })
  } catch (err) {
    stall.stop()
    await endTransfer(s.sql, s.token.id)
    throw err
  }
  void reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', String(s.file.file_bytes))
    .header('content-disposition', 'attachment')
    .send(stream)
}

function describeBytes (bytes: number): string {
  const mib = bytes / (1024 * 1024)
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`
}
