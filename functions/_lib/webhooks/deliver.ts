// Notification deliveries: the outbox drained into pg-boss jobs, and one signed POST per attempt.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Keyring } from '../secrets/crypto.ts'
import type { Config } from '../platform/config.ts'
import type { Sql } from '../platform/database.ts'
import { checkLiteral, guardedLookup, parseDestination, type DestinationPolicy } from './destination.ts'
import { openNotifySecret, signature } from './signing.ts'

export const WEBHOOK_QUEUE = 'webhook-deliver'
export const WEBHOOK_DRAIN_QUEUE = 'webhook-drain'
export const WEBHOOK_DRAIN_CRON = '* * * * *'

/** Enough of a receiver's answer to see that it answered; the rest is not read. */
const MAX_RESPONSE_BYTES = 16 * 1024

/**
 * Moves pending deliveries to pg-boss, in one transaction: a row is marked queued only together
 * with its job, so a crash in between leaves it pending for the next drain.
 */
export async function drainOutbox (sql: Sql, enqueue: (id: string, tx: Sql) => Promise<void>): Promise<number> {
  return await sql.begin(async (tx) => {
    const rows = await tx<Array<{ id: string }>>`
      update webhook_delivery
      set state = 'queued'
      where id in (
        select id
        from webhook_delivery
        where state = 'pending'
        order by created_at
        limit 500
        for update skip locked
      )
      returning id`
    for (const row of rows) await enqueue(row.id, tx as unknown as Sql)
    return rows.length
  })
}

interface DeliveryRow { id: string, secret_ref: string, target: 'notify_url' | 'stream', event: string, occurred_at: Date, attempts: number, url: string | null, signing_key: Buffer | null }

/** The body receivers get: the event, its time and the secret's reference, never a key or content. */
export function payload (event: string, occurredAt: Date, ref: string): string {
  const type = event.startsWith('request_') ? `request.${event.slice('request_'.length)}` : `secret.${event}`
  return JSON.stringify({ type, timestamp: occurredAt.toISOString(), data: { secret_ref: ref } })
}

/**
 * One attempt. Throws when it failed, for pg-boss to retry later; the row records every attempt,
 * and the last one allowed marks it failed.
 */
export async function deliver (sql: Sql, id: string, keys: Keyring, webhook: Config['webhook']): Promise<void> {
  const [row] = await sql<DeliveryRow[]>`
    select d.id, d.secret_ref, d.target, d.event, d.occurred_at, d.attempts, n.url, n.signing_key
    from webhook_delivery d
    left join notify_target n on n.secret_ref = d.secret_ref and d.target = 'notify_url'
    where d.id = ${id}
      and d.state = 'queued'`
  if (row === undefined) return
  const destination = row.target === 'stream' ? webhook.stream : row.url === null || row.signing_key === null ? undefined : { url: row.url, secret: openNotifySecret(row.signing_key, row.secret_ref, keys) }
  let status: number | null = null
  let error: string | null = null
  if (destination === undefined) {
    error = 'no destination is configured any more'
  } else {
    const body = payload(row.event, row.occurred_at, row.secret_ref)
    const timestamp = Math.floor(Date.now() / 1000)
    const headers = { 'content-type': 'application/json', 'webhook-id': row.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature(destination.secret, row.id, timestamp, body) }
    try {
      status = await post(destination.url, headers, body, webhook, webhook.timeoutSeconds * 1000)
      if (status < 200 || status > 299) error = `the receiver answered ${status}`
    } catch (err) {
      error = (err as Error).message
    }
  }
  const final = error === null || destination === undefined || row.attempts + 1 > webhook.retryLimit
  await sql`
    update webhook_delivery
    set attempts = attempts + 1,
        last_status = ${status},
        last_error = ${error},
        state = ${error === null ? 'delivered' : final ? 'failed' : 'queued'},
        delivered_at = ${error === null ? new Date() : null}
    where id = ${row.id}`
  if (error !== null && !final) throw new Error(`delivery ${row.id}: ${error}`)
}

/**
 * POSTs and returns the status. No redirect is followed (node:http never does), the address is
 * checked as it is connected to (the lookup), and at most MAX_RESPONSE_BYTES of the answer are read.
 */
export async function post (target: string, headers: Record<string, string>, body: string, policy: DestinationPolicy, timeoutMs: number): Promise<number> {
  const url = parseDestination(target, policy)
  checkLiteral(url, policy)
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  return await new Promise<number>((resolve, reject) => {
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Burnlink-Webhook/1' },
      lookup: guardedLookup(policy),
      signal: AbortSignal.timeout(timeoutMs),
      agent: false
    }, (res) => {
      let read = 0
      res.on('data', (chunk: Buffer) => {
        read += chunk.length
        if (read > MAX_RESPONSE_BYTES) res.destroy()
      })
      res.on('close', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', (err) => reject(err.name === 'AbortError' ? new Error(`no answer within ${timeoutMs / 1000} s`) : err))
    req.end(body)
  })
}
