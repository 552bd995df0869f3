// The file envelope "zkf1": a file with its name, type and an optional note, encrypted in chunks on
// the client (the web app and the CLI share this module); the server stores only these bytes.
//
//   "zkf1" | header length (u32, big-endian) | sealed header | sealed chunk 0 | … | sealed chunk n-1
//
// One AES-256-GCM key per file: random, in the link's #fragment; or, for a request's file answer,
// derived for that answer alone (zkrequest.ts). Nonces are a counter: 0 seals the
// header (JSON, padded with spaces so the name's length shows only coarsely), i + 1 seals chunk i.
// Each chunk's additional data says whether it is the last, and the header gives the size and the
// chunk length, so a reader detects a reordered, dropped, truncated or extended stream.
import { fromBase64Url, isKey, toBase64Url } from './zk.ts'

const MAGIC = new TextEncoder().encode('zkf1')
const PREFIX_BYTES = MAGIC.length + 4
const TAG_BYTES = 16
export const CHUNK_BYTES = 256 * 1024
const HEADER_PAD = 256
// A reader's bounds, so a hostile stream cannot make it buffer much before the first check.
const MAX_HEADER_BYTES = 4 * 1024 * 1024
const MAX_CHUNK_BYTES = 16 * 1024 * 1024
const HEADER_AD = new TextEncoder().encode('zkf1 header')
const CHUNK_AD = [new TextEncoder().encode('zkf1 chunk'), new TextEncoder().encode('zkf1 last chunk')] as const

// Spelled this way so that the module type-checks under both the DOM's and Node's WebCrypto types.
export type Key = Awaited<ReturnType<typeof crypto.subtle.importKey>>

/** What the header holds besides the chunking: all of it is encrypted. */
export interface FileInfo {
  name: string
  /** The sender's MIME type; informative only, a recipient always saves the bytes as a download. */
  type: string
  /** An optional note sent with the file. */
  text?: string
}

export interface FileMeta extends FileInfo {
  size: number
}

/** Where the plaintext comes from: a browser File's slices, a file handle, a buffer. */
export interface FileSource {
  size: number
  read: (start: number, end: number) => Promise<Uint8Array>
}

export interface SealedFile {
  /** 32 random bytes, base64url: goes only into the link's #fragment. */
  key: string
  /** Bytes the parts add up to (the upload's Content-Length). */
  length: number
  /** The envelope in order, one sealed chunk at a time: memory holds one chunk, not the file. */
  parts: AsyncGenerator<Uint8Array<ArrayBuffer>, void>
}

export interface OpenedFile {
  meta: FileMeta
  /**
   * The plaintext, chunk by chunk. It throws EnvelopeError on the first damaged, missing or extra
   * byte: nothing is complete until the iteration has ended without an error.
   */
  chunks: AsyncGenerator<Uint8Array<ArrayBuffer>, void>
}

/** The envelope is not a zkf1 envelope, was altered or cut short, or the key is not its key. */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError'
}

/** Envelope bytes for a file of this size with this header (what the server's limit counts). */
export function sealedFileLength (info: FileInfo, size: number): number {
  return PREFIX_BYTES + encodeHeader({ ...info, size }).length + TAG_BYTES + size + chunkCount(size) * TAG_BYTES
}

export async function sealFile (info: FileInfo, source: FileSource): Promise<SealedFile> {
  const rawKey = crypto.getRandomValues(new Uint8Array(32))
  const key = await crypto.subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt'])
  return { key: toBase64Url(rawKey), ...await sealFileUnder(key, info, source) }
}

/**
 * The envelope under a key the caller made: it must be used for this one file only (the nonces are
 * a counter). A request's file answer uses a key derived for it alone (zkrequest.ts).
 */
export async function sealFileUnder (key: Key, info: FileInfo, source: FileSource): Promise<Omit<SealedFile, 'key'>> {
  const size = source.size
  const header = encodeHeader({ ...info, size })
  const sealedHeader = await encrypt(key, 0, HEADER_AD, header)
  const prefix = new Uint8Array(PREFIX_BYTES)
  prefix.set(MAGIC)
  new DataView(prefix.buffer).setUint32(MAGIC.length, sealedHeader.length)
  const count = chunkCount(size)
  async function * parts (): AsyncGenerator<Uint8Array<ArrayBuffer>, void> {
    yield prefix
    yield sealedHeader
    for (let i = 0; i < count; i++) {
      const start = i * CHUNK_BYTES
      const end = Math.min(size, start + CHUNK_BYTES)
      const plain = await source.read(start, end)
      if (plain.length !== end - start) throw new Error(`the file changed while it was read (${plain.length} bytes at ${start}, expected ${end - start})`)
      yield await encrypt(key, i + 1, CHUNK_AD[i === count - 1 ? 1 : 0], plain)
    }
  }
  return { length: PREFIX_BYTES + sealedHeader.length + size + count * TAG_BYTES, parts: parts() }
}

/** Reads the header now (the name and size), the chunks as the caller iterates. */
export async function openFile (body: ReadableStream<Uint8Array>, fragmentKey: string): Promise<OpenedFile> {
  if (!isKey(fragmentKey)) throw new EnvelopeError('not a Burnlink key')
  const key = await crypto.subtle.importKey('raw', fromBase64Url(fragmentKey), 'AES-GCM', false, ['decrypt'])
  return await openFileUnder(new ExactReader(body), key)
}

/** openFile under a key the caller derived, from a reader that may have consumed a prefix of its own. */
export async function openFileUnder (input: ExactReader, key: Key): Promise<OpenedFile> {
  let header: { meta: FileMeta, chunk: number }
  try {
    header = await readHeader(input, key)
  } catch (err) {
    input.release()
    throw err
  }
  const { meta, chunk } = header
  const count = chunkCount(meta.size, chunk)
  async function * chunks (): AsyncGenerator<Uint8Array<ArrayBuffer>, void> {
    try {
      for (let i = 0; i < count; i++) {
        const plainLength = i === count - 1 ? meta.size - i * chunk : chunk
        const sealed = await input.read(plainLength + TAG_BYTES)
        if (sealed === undefined) throw new EnvelopeError(`the envelope is cut short: chunk ${i + 1} of ${count} is missing`)
        yield await decrypt(key, i + 1, CHUNK_AD[i === count - 1 ? 1 : 0], sealed)
      }
      if (!await input.atEnd()) throw new EnvelopeError('the envelope has bytes after its last chunk')
    } finally {
      input.release()
    }
  }
  return { meta, chunks: chunks() }
}

async function readHeader (input: ExactReader, key: Key): Promise<{ meta: FileMeta, chunk: number }> {
  const prefix = await input.read(PREFIX_BYTES)
  if (prefix === undefined || !MAGIC.every((byte, i) => prefix[i] === byte)) throw new EnvelopeError('not a zkf1 envelope')
  const headerLength = new DataView(prefix.buffer).getUint32(MAGIC.length)
  if (headerLength <= TAG_BYTES || headerLength > MAX_HEADER_BYTES) throw new EnvelopeError('the header length is out of bounds')
  const sealedHeader = await input.read(headerLength)
  if (sealedHeader === undefined) throw new EnvelopeError('the envelope ends inside its header')
  return decodeHeader(await decrypt(key, 0, HEADER_AD, sealedHeader))
}

function chunkCount (size: number, chunk = CHUNK_BYTES): number {
  // An empty file still has one (empty, final) chunk, so that its end is authenticated too.
  return Math.max(1, Math.ceil(size / chunk))
}

function encodeHeader (meta: FileMeta): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(JSON.stringify({
    name: meta.name,
    type: meta.type,
    size: meta.size,
    chunk: CHUNK_BYTES,
    ...(meta.text === undefined ? {} : { text: meta.text })
  }))
  const padded = new Uint8Array(Math.ceil(json.length / HEADER_PAD) * HEADER_PAD).fill(0x20)
  padded.set(json)
  return padded
}

function decodeHeader (bytes: Uint8Array): { meta: FileMeta, chunk: number } {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new EnvelopeError('the header is not valid JSON')
  }
  const h = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>
  const { name, type, size, chunk, text } = h
  if (typeof name !== 'string' || typeof type !== 'string' || (text !== undefined && typeof text !== 'string') ||
      !Number.isSafeInteger(size) || (size as number) < 0 ||
      !Number.isSafeInteger(chunk) || (chunk as number) < 1 || (chunk as number) > MAX_CHUNK_BYTES) {
    throw new EnvelopeError('the header is malformed')
  }
  return { meta: { name, type, size: size as number, ...(text === undefined ? {} : { text }) }, chunk: chunk as number }
}

/** Counter nonces are safe here: every file has a fresh key of its own, and no counter repeats. */
function nonce (counter: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12)
  new DataView(iv.buffer).setBigUint64(4, BigInt(counter))
  return iv
}

async function encrypt (key: Key, counter: number, additionalData: Uint8Array<ArrayBuffer>, plain: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(counter), additionalData }, key, owned(plain)))
}

async function decrypt (key: Key, counter: number, additionalData: Uint8Array<ArrayBuffer>, sealed: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce(counter), additionalData }, key, sealed))
  } catch {
    throw new EnvelopeError(counter === 0 ? 'the header does not open with this key' : `chunk ${counter} was altered, moved or belongs to another key`)
  }
}

/** WebCrypto takes views of a plain ArrayBuffer; a Node Buffer may sit on a shared pool. */
function owned (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(bytes)
}

/** Hands out exactly n bytes at a time from a stream that arrives in pieces of any size. */
export class ExactReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>
  private pending: Uint8Array[] = []
  private buffered = 0
  private done = false

  constructor (body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader()
  }

  /** n bytes, or undefined if the stream ends first. */
  async read (n: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
    while (this.buffered < n && !this.done) await this.pull()
    if (this.buffered < n) return undefined
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const head = this.pending[0] as Uint8Array
      const take = Math.min(head.length, n - filled)
      out.set(head.subarray(0, take), filled)
      filled += take
      if (take === head.length) this.pending.shift()
      else this.pending[0] = head.subarray(take)
    }
    this.buffered -= n
    return out
  }

  async atEnd (): Promise<boolean> {
    while (this.buffered === 0 && !this.done) await this.pull()
    return this.buffered === 0
  }

  release (): void {
    if (!this.done) void this.reader.cancel().catch(() => {})
  }

  private async pull (): Promise<void> {
    const { done, value } = await this.reader.read()
    if (done) {
      this.done = true
      return
    }
    if (value.length === 0) return
    this.pending.push(value)
    this.buffered += value.length
  }
}
