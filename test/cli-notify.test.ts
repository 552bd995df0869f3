// burnlink send and request with --notify-url, run as a user runs them: the signing secret comes
// back once, and the deliveries it signs reach a real local receiver.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { assertOneLine, run } from './cli-run.ts'
import { startTestApp } from './helper.ts'
import { receiver, until, verifies, type Delivery } from './webhook-receiver.ts'

async function startServer (t: TestContext, env: Record<string, string>): Promise<string> {
  const { app } = await startTestApp(t, { runWorker: true, env })
  await app.jobsStarted
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

test('send --notify-url prints the signing secret once and the reveal is delivered, signed with it; a file and a request too', async (t) => {
  const hook = await receiver(t)
  const server = await startServer(t, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_ALLOW_HTTP: 'true' })

  const sent = await run(['send', '--server', server, '--notify-url', hook.url], { input: 'hunter2' })
  assert.equal(sent.code, 0, sent.stderr)
  const secret = /signed with (whsec_\S+)/.exec(sent.stderr)?.[1] ?? ''
  assert.match(secret, /^whsec_/, sent.stderr)
  assert.equal((await run(['get', sent.stdout.toString().trim()])).stdout.toString(), 'hunter2')
  await until(() => hook.got.length === 1)
  assert.equal(JSON.parse(hook.got[0]?.body ?? '{}').type, 'secret.revealed')
  assert.ok(verifies(secret, hook.got[0] as Delivery), 'the delivery verifies with the secret the CLI printed')

  // A file goes with notify_url in its query; --json carries the secret instead of standard error.
  const file = await run(['send', '--server', server, '--notify-url', hook.url, '--json'], { input: Buffer.from([0xff, 0xfe, 0x00, 0x01]) })
  assert.equal(file.code, 0, file.stderr)
  const made = JSON.parse(file.stdout.toString()) as { link: string, notify_secret: string }
  assert.match(made.notify_secret, /^whsec_/)
  assert.doesNotMatch(file.stderr, /whsec_/)
  assert.equal((await run(['get', made.link, '-o', '-'])).code, 0)
  await until(() => hook.got.length === 2)
  assert.ok(verifies(made.notify_secret, hook.got[1] as Delivery))

  const asked = await run(['request', '--server', server, '--notify-url', hook.url, '--json'])
  assert.equal(asked.code, 0, asked.stderr)
  const request = JSON.parse(asked.stdout.toString()) as { request_link: string, notify_secret: string }
  assert.equal((await run(['respond', request.request_link], { input: 'the answer' })).code, 0)
  await until(() => hook.got.length === 3)
  assert.equal(JSON.parse(hook.got[2]?.body ?? '{}').type, 'request.answered')
  assert.ok(verifies(request.notify_secret, hook.got[2] as Delivery))
})

test('a --notify-url the server refuses is one line saying why, and nothing is created', async (t) => {
  const server = await startServer(t, {})
  const refused = await run(['send', '--server', server, '--notify-url', 'http://127.0.0.1:9/hook'], { input: 'x' })
  assertOneLine(refused, 2, /refused --notify-url: notify_url must use https/)
  const internal = await run(['request', '--server', server, '--notify-url', 'https://127.0.0.1/hook'])
  assertOneLine(internal, 2, /refused --notify-url: .*internal address/)
})
