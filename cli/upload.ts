// A sealed file streamed as it is encrypted (POST /file, or a request's file answer), with
// Expect: 100-continue so that a refusal (too large, throttled) arrives before the upload instead
// of after it.
import { once } from 'node:events'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { ApiError, NETWORK_ERROR, passphraseHeader, type Created } from '../web/src/api.ts'
import type { SealedFile } from '../web/src/zkfile.ts'
import { tokenHeader } from './token.ts'

export interface UploadOptions {
  ttlSeconds: number | undefined
  passphrase: string | undefined
  requirePassphrase: boolean
  notifyUrl?: string | undefined
}

// A server or proxy that ignores Expect gets the body after this wait, as curl does.
const CONTINUE_WAIT_MS = 1000

export async function uploadFile (server: string, sealed: SealedFile, options: UploadOptions): Promise<Created> {
  const url = new URL(`${server}/file`)
  if (options.ttlSeconds !== undefined) url.searchParams.set('ttl_seconds', String(options.ttlSeconds))
  if (options.requirePassphrase) url.searchParams.set('reveal_requires_passphrase', 'true')
  if (options.notifyUrl !== undefined) url.searchParams.set('notify_url', options.notifyUrl)
  const headers = { ...(options.passphrase === undefined ? {} : passphraseHeader(options.passphrase)), ...tokenHeader() }
  return await upload(url, sealed, headers) as Created
}

/**
 * POSTs the parts as application/octet-stream; resolves with the 201's JSON body, rejects with an
 * ApiError for any other answer (or the error that stopped reading the file).
 */
export async function upload (url: URL, sealed: Pick<SealedFile, 'length' | 'parts'>, headers: Record<string, string>): Promise<unknown> {
  const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': 'application/octet-stream',
      'content-length': String(sealed.length),
      expect: '100-continue',
      ...headers
    }
  })
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve)
    req.once('error', () => { reject(new ApiError(0, NETWORK_ERROR)) })
  })
  let refused = false
  const sending = (async () => {
    const go = await Promise.race([
      once(req, 'continue').then(() => true),
      answered.then(() => false, () => false),
      new Promise<boolean>((resolve) => setTimeout(resolve, CONTINUE_WAIT_MS, true).unref())
    ])
    if (!go) return
    for await (const part of sealed.parts) {
      if (refused || req.destroyed) return
      if (!req.write(part)) await Promise.race([once(req, 'drain'), answered.catch(() => undefined)])
    }
    req.end()
  })().catch((err: unknown) => {
    req.destroy()
    throw err
  })
  // A failure to read the file ends the request, and is the error to report.
  const res = await Promise.race([answered, sending.then(async () => await answered)])
  void sending.catch(() => {})
  refused = res.statusCode !== 201
  const body = await readBody(res)
  if (refused) {
    req.destroy()
    const retryAfter = Number(res.headers['retry-after'])
    throw new ApiError(res.statusCode ?? 0, stringField(body, 'code') ?? `HTTP_${res.statusCode}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined, stringField(body, 'message'))
  }
  await sending
  return body
}

async function readBody (res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer)
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return undefined
  }
}

function stringField (body: unknown, name: string): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined
  return typeof value === 'string' ? value : undefined
}
