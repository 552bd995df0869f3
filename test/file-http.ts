// Helpers for the file tests: a listening host, and uploads and downloads over real sockets.
import { createCipheriv, createHash } from 'node:crypto'
import { request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { App } from '../functions/_lib/platform/http-function.ts'

export const MiB = 1024 * 1024

/** What the file tables hold: rows, chunks and transfers under way. */
export async function stored (app: App): Promise<{ secrets: number, chunks: number, transfers: number }> {
  const [row] = await app.sql<Array<{ secrets: number, chunks: number, transfers: number }>>`
    select
      (select count(*)::int from secret) as secrets,
      (select count(*)::int from secret_chunk) as chunks,
      (select count(*)::int from file_transfer) as transfers`
  if (row === undefined) throw new Error('no row')
  return row
}

/** Listens on a free port of 127.0.0.1 (the test's cleanup closes the app); returns the origin. */
export async function listen (app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** `size` reproducible pseudo-random bytes (AES-CTR of zeros), made as they are read. */
export function bytes (size: number, seed = 1): Readable {
  const cipher = createCipheriv('aes-256-ctr', Buffer.alloc(32, seed), Buffer.alloc(16))
  let left = size
  return new Readable({
    read () {
      const n = Math.min(left, 64 * 1024)
      left -= n
      this.push(n === 0 ? null : cipher.update(Buffer.alloc(n)))
    }
  })
}

export async function sha256 (source: AsyncIterable<Buffer>): Promise<{ hex: string, length: number }> {
  const hash = createHash('sha256')
  let length = 0
  for await (const piece of source) {
    hash.update(piece)
    length += piece.length
  }
  return { hex: hash.digest('hex'), length }
}

export interface Reply { status: number, headers: IncomingHttpHeaders, body: string, continued: boolean }

export interface UploadOptions {
  /** Content-Length to announce; the body's size unless given. null sends no Content-Length (chunked). */
  length?: number | null
  query?: string
  headers?: Record<string, string>
  /** Where to POST: /file unless given (a request's answer: /request/{key}/answer). */
  path?: string
}

/** POST /file (or options.path) with `body` streamed as it is produced; resolves with the status and JSON text. */
export async function upload (origin: string, body: Readable | Buffer, size: number, options: UploadOptions = {}): Promise<Reply> {
  const length = options.length === undefined ? size : options.length
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream', ...options.headers }
  if (length !== null) headers['content-length'] = String(length)
  const expects = headers.expect === '100-continue'
  return await new Promise((resolve, reject) => {
    let continued = false
    const req = request(`${origin}${options.path ?? '/file'}${options.query ?? ''}`, { method: 'POST', headers }, (res) => {
      const pieces: Buffer[] = []
      res.on('data', (piece: Buffer) => pieces.push(piece))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(pieces).toString('utf8'), continued }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    const send = (): void => {
      // write() then end(): end(body) alone would make Node add a Content-Length itself.
      if (Buffer.isBuffer(body)) { req.write(body); req.end() } else body.pipe(req)
    }
    if (expects) req.on('continue', () => { continued = true; send() })
    else send()
  })
}

export interface Downloaded { status: number, headers: IncomingHttpHeaders, hex: string, length: number, text: string }

/** GET /file/:key; the body as its SHA-256 and length, read as it streams. */
export async function download (origin: string, key: string, headers: Record<string, string> = {}): Promise<Downloaded> {
  return await downloadFrom(origin, `/file/${key}`, headers)
}

/** GET path (a file's or a file answer's), as download() reads it. */
export async function downloadFrom (origin: string, path: string, headers: Record<string, string> = {}): Promise<Downloaded> {
  return await new Promise((resolve, reject) => {
    request(`${origin}${path}`, { headers }, (res) => {
      const status = res.statusCode ?? 0
      if (status !== 200) {
        const pieces: Buffer[] = []
        res.on('data', (piece: Buffer) => pieces.push(piece))
        res.on('end', () => { resolve({ status, headers: res.headers, hex: '', length: 0, text: Buffer.concat(pieces).toString('utf8') }) })
        return
      }
      sha256(res).then(({ hex, length }) => { resolve({ status, headers: res.headers, hex, length, text: '' }) }, reject)
    }).on('error', reject).end()
  })
}
