// Fault: SIGTERM under load; every request already sent gets its whole answer, then the process exits 0.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeOutcomes, postJson, send, sleep, startBurnlink, type Outcome } from './burnlink-process.ts'
import { createPrivatePostgres, faultTestSkipReason } from './private-postgres.ts'

const CLIENTS = 24

test('SIGTERM under load lets every request sent before it finish with a complete response, then exits with 0', { skip: faultTestSkipReason(), timeout: 120_000 }, async (t) => {
  const pg = await createPrivatePostgres()
  t.after(pg.destroy)
  const server = await startBurnlink(pg.env)
  t.after(server.stop)
  const outcomes: Outcome[] = []
  const control = { signalledAt: Number.POSITIVE_INFINITY }

  // Passphrase hashing (Argon2id) makes many creates slow enough to be mid-flight at the signal.
  const client = async (n: number): Promise<void> => {
    for (let i = 0; Date.now() < control.signalledAt && i < 500; i++) {
      const body = i % 2 === 0 ? { secret: `client ${n} #${i}`, passphrase: `pass ${n} ${i}` } : { secret: `client ${n} #${i}` }
      const made = await send(outcomes, 'create', `${server.url}/secret`, postJson(body))
      if (made.status === 201 && Date.now() < control.signalledAt) {
        await send(outcomes, 'read', `${server.url}/secret/${String(made.body?.secret_key)}`)
      }
    }
  }
  const load = Promise.all(Array.from({ length: CLIENTS }, async (_, n) => { await client(n) }))
  await sleep(2000)
  control.signalledAt = Date.now()
  server.signal('SIGTERM')
  const exitCode = await server.exited
  await load
  const summary = describeOutcomes(outcomes)
  t.diagnostic(`exited ${Date.now() - control.signalledAt} ms after SIGTERM with ${exitCode}; ${summary}`)

  // Sent strictly before the signal (fetch started earlier): the server had these on its sockets.
  const before = outcomes.filter((o) => o.startedAt < control.signalledAt)
  const inFlight = before.filter((o) => o.startedAt + o.ms >= control.signalledAt)
  assert.ok(inFlight.length >= CLIENTS / 2, `many requests were in flight at the signal (${inFlight.length})`)
  const cutOff = before.filter((o) => o.status === 0)
  assert.deepEqual(cutOff, [], `no request sent before SIGTERM is cut off\n${summary}\n${server.output()}`)
  for (const o of inFlight) {
    assert.ok([200, 201].includes(o.status), `an in-flight ${o.op} completes normally (got ${o.status} ${o.code ?? ''})`)
  }
  assert.equal(exitCode, 0, `exit code 0 after a clean shutdown\n${server.output()}`)
})
