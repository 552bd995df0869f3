// Notifications: a signed delivery per event to a real local receiver, retries, and SSRF refusals.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { internalAddress } from '../functions/_lib/webhooks/destination.ts'
import { post } from '../functions/_lib/webhooks/deliver.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { startTestApp } from './helper.ts'
import { receiver, until, verifies, type Delivery } from './webhook-receiver.ts'

async function notifications (app: App, receiptKey: string): Promise<Array<Record<string, unknown>>> {
  return (await app.inject({ method: 'GET', url: `/receipt/${receiptKey}` })).json<{ notifications: Array<Record<string, unknown>> }>().notifications
}

const INTERNAL_RECEIVERS = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETRY_DELAY_SECONDS: '1' }

test('revealing a secret made with a notify_url delivers within seconds a body signed the Standard Webhooks way, holding neither key nor secret; the receipt shows it delivered', async (t) => {
  const hook = await receiver(t)
  const { app } = await startTestApp(t, { runWorker: true, env: INTERNAL_RECEIVERS })
  await app.jobsStarted
  const created = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'hunter2-content', notify_url: hook.url } })
  assert.equal(created.statusCode, 201, created.body)
  const { secret_key: secretKey, receipt_key: receiptKey, notify_secret: notifySecret } = created.json<Record<string, string>>()
  assert.match(notifySecret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${secretKey}` })).statusCode, 200)

  await until(() => hook.got.length === 1)
  const delivery = hook.got[0]
  assert.ok(delivery !== undefined)
  assert.ok(verifies(notifySecret ?? '', delivery), 'the signature verifies with notify_secret')
  assert.ok(!verifies(`whsec_${Buffer.alloc(32).toString('base64')}`, delivery), 'and not with another secret')
  const body = JSON.parse(delivery.body) as { type: string, timestamp: string, data: { secret_ref: string } }
  assert.equal(body.type, 'secret.revealed')
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)))
  for (const forbidden of [secretKey ?? '', receiptKey ?? '', 'hunter2-content', notifySecret ?? '']) assert.ok(!delivery.body.includes(forbidden))
  assert.ok(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000) < 60)

  await until(async () => (await notifications(app, receiptKey ?? ''))[0]?.state === 'delivered')
  const [notification] = await notifications(app, receiptKey ?? '')
  assert.deepEqual({ ...notification, delivered_at: undefined }, { event: 'revealed', state: 'delivered', attempts: 1, last_status: 204, last_error: null, delivered_at: undefined })
  const [row] = await app.sql<Array<{ raw: string }>>`select encode(signing_key, 'escape') as raw from notify_target`
  assert.ok(!(row?.raw ?? '').includes((notifySecret ?? '').slice('whsec_'.length)), 'the signing secret is stored sealed')
})

test('a receiver that fails first (500) gets the retry, and the receipt records two attempts', async (t) => {
  const hook = await receiver(t, [500])
  const { app } = await startTestApp(t, { runWorker: true, env: INTERNAL_RECEIVERS })
  await app.jobsStarted
  const created = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', notify_url: hook.url } })
  const { secret_key: secretKey, receipt_key: receiptKey } = created.json<Record<string, string>>()
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${secretKey}` })).statusCode, 200)
  await until(() => hook.got.length === 2)
  assert.equal(hook.got[0]?.headers['webhook-id'], hook.got[1]?.headers['webhook-id'], 'a retry keeps its webhook-id')
  assert.equal(JSON.parse(hook.got[1]?.body ?? '{}').type, 'secret.deleted')
  await until(async () => (await notifications(app, receiptKey ?? ''))[0]?.state === 'delivered')
  const [notification] = await notifications(app, receiptKey ?? '')
  assert.equal(notification?.attempts, 2)
  assert.equal(notification?.last_status, 204)
})

test('a loopback notify_url is refused with 400 by default, saying why', async (t) => {
  const { app } = await startTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', notify_url: 'https://127.0.0.1/hook' } })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'REQUEST_NOTIFY_URL_REFUSED')
  assert.match(res.json().message, /127\.0\.0\.1 is a loopback, private, link-local or otherwise internal address/)
  const http = await app.inject({ method: 'POST', url: '/request', payload: { notify_url: 'http://example.com/hook' } })
  assert.equal(http.statusCode, 400)
  assert.match(http.json().message, /must use https/)
  const [row] = await app.sql<Array<{ n: number }>>`select count(*)::int as n from secret`
  assert.equal(row?.n, 0, 'nothing was stored')
})

test('every kind of internal address is refused as a notify_url, and a public one is not', async (t) => {
  const { app } = await startTestApp(t)
  const hosts = ['127.0.0.1', '[::1]', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '[fc00::1]', '[fd00::1]', '[fe80::1]', '100.64.0.1', '0.0.0.0', '[::ffff:127.0.0.1]', 'localhost', '2130706433', '[::]', '224.0.0.1']
  for (const host of hosts) {
    const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', notify_url: `https://${host}/hook` } })
    assert.equal(res.statusCode, 400, host)
    assert.match(res.json().message, /internal address/, host)
  }
  for (const address of ['8.8.8.8', '2606:4700::1111', '172.32.0.1', '100.128.0.1']) assert.equal(internalAddress(address), undefined, address)
})

test('a delivery checks the address it connects to: a name that resolves to loopback is refused at connect time', async (t) => {
  const hook = await receiver(t)
  const policy = { allowHttp: true, allowPrivateNetworks: false }
  const port = new URL(hook.url).port
  await assert.rejects(post(`http://localhost:${port}/hook`, {}, '{}', policy, 5000), /internal addresses/)
  await assert.rejects(post(hook.url, {}, '{}', policy, 5000), /internal address/)
  assert.equal(hook.got.length, 0, 'nothing reached the receiver')
  assert.equal(await post(hook.url, {}, '{}', { ...policy, allowPrivateNetworks: true }, 5000), 204)
})

test('a request made with a notify_url tells of its answer; WEBHOOK_URL receives every event, signed with WEBHOOK_SECRET', async (t) => {
  const hook = await receiver(t)
  const stream = await receiver(t)
  const streamSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
  const { app } = await startTestApp(t, { runWorker: true, env: { ...INTERNAL_RECEIVERS, WEBHOOK_URL: stream.url, WEBHOOK_SECRET: streamSecret } })
  await app.jobsStarted
  const created = await app.inject({ method: 'POST', url: '/request', payload: { notify_url: hook.url } })
  assert.equal(created.statusCode, 201, created.body)
  const { request_key: requestKey, notify_secret: notifySecret } = created.json<Record<string, string>>()
  assert.equal((await app.inject({ method: 'POST', url: `/request/${requestKey}/answer`, payload: { secret: 'zkr1:x' } })).statusCode, 201)
  await until(() => hook.got.length === 1 && stream.got.length === 2)
  assert.equal(JSON.parse(hook.got[0]?.body ?? '{}').type, 'request.answered')
  assert.ok(verifies(notifySecret ?? '', hook.got[0] as Delivery))
  assert.deepEqual(stream.got.map((d) => JSON.parse(d.body).type).sort(), ['request.answered', 'request.created'])
  assert.ok(stream.got.every((d) => verifies(streamSecret, d)))
})

test('a request answered with a file notifies as a text answer does: answered, then revealed when the inbox downloads it', async (t) => {
  const hook = await receiver(t)
  const { app } = await startTestApp(t, { runWorker: true, env: INTERNAL_RECEIVERS })
  await app.jobsStarted
  const created = await app.inject({ method: 'POST', url: '/request', payload: { notify_url: hook.url } })
  const { request_key: requestKey, inbox_key: inboxKey, notify_secret: notifySecret } = created.json<Record<string, string>>()
  const file = Buffer.alloc(300_000, 1)
  const answered = await app.inject({ method: 'POST', url: `/request/${requestKey}/answer`, headers: { 'content-type': 'application/octet-stream' }, payload: file })
  assert.equal(answered.statusCode, 201, answered.body)
  const downloaded = await app.inject({ method: 'GET', url: `/request/inbox/${inboxKey}/file` })
  assert.equal(downloaded.statusCode, 200)
  assert.ok(downloaded.rawPayload.equals(file))
  await until(() => hook.got.length === 2)
  assert.deepEqual(hook.got.map((d) => JSON.parse(d.body).type).sort(), ['request.answered', 'secret.revealed'])
  assert.ok(hook.got.every((d) => verifies(notifySecret ?? '', d)))
  assert.ok(hook.got.every((d) => !d.body.includes(inboxKey ?? '') && !d.body.includes(requestKey ?? '')), 'no key in a delivery')
})
