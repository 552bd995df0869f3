// A real HTTP receiver for notification tests, and the Standard Webhooks check written from the
// specification (not from our signing code), shared by the webhook and CLI tests.
import assert from 'node:assert/strict'
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { onCleanup } from './helper.ts'

export interface Delivery { headers: IncomingHttpHeaders, body: string }

/** A receiver on 127.0.0.1 that answers each POST with the next status of `statuses` (then 204). */
export async function receiver (t: TestContext, statuses: number[] = []): Promise<{ url: string, got: Delivery[] }> {
  const got: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(statuses.shift() ?? 204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(t, async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got }
}

/** Standard Webhooks, written from the specification: HMAC-SHA256 of "id.timestamp.body" under the base64 after whsec_. */
export function verifies (secret: string, delivery: Delivery): boolean {
  const id = String(delivery.headers['webhook-id'])
  const timestamp = String(delivery.headers['webhook-timestamp'])
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${delivery.body}`).digest()
  return String(delivery.headers['webhook-signature']).split(' ').some((part) => {
    const [version, sig = ''] = part.split(',')
    const given = Buffer.from(sig, 'base64')
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
  })
}

/** Waits for something the worker does in the background (a delivery, its recorded state). */
export async function until (condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.fail('the condition never held')
}
