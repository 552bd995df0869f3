// Fault: the database stalls (a lock held on `secret`) with a one-connection pool; every request still gets a bounded answer.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { describeOutcomes, postJson, send, sleep, startBurnlink, type Outcome } from './burnlink-process.ts'
import { createPrivatePostgres, faultTestSkipReason } from './private-postgres.ts'

const POOL_SIZE = 1
const GATE = POOL_SIZE * 64 // functions/_host/build.ts: poolSize * 64 requests may wait on the database
const REQUESTS = GATE + 16
const STATEMENT_TIMEOUT_MS = 10_000 // functions/_lib/db.ts
const HOLD_MS = STATEMENT_TIMEOUT_MS + 4000

test('with the secret table locked and one connection, requests past the gate get 503 at once and the rest a bounded answer', { skip: faultTestSkipReason(), timeout: 120_000 }, async (t) => {
  const pg = await createPrivatePostgres()
  t.after(pg.destroy)
  const server = await startBurnlink({ ...pg.env, POSTGRES_POOL_SIZE: String(POOL_SIZE) })
  t.after(server.stop)
  const outcomes: Outcome[] = []
  const made = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: 'waiting behind a lock' }))
  assert.equal(made.status, 201)
  const key = String(made.body?.secret_key)

  // Another session takes the strongest lock on `secret` and sits on it, as a runaway
  // migration or a careless `lock table` by an administrator would.
  const locker = pg.connect()
  t.after(async () => { await locker.end({ timeout: 1 }) })
  let locked!: () => void
  const isLocked = new Promise<void>((resolve) => { locked = resolve })
  const held = locker.begin(async (tx) => {
    await tx`lock table secret in access exclusive mode`
    locked()
    await tx`select pg_sleep(${HOLD_MS / 1000})`
  })
  await isLocked
  const lockedAt = Date.now()

  // The first request takes the only connection and blocks on the lock; the next GATE - 1 queue
  // inside postgres.js; the rest must be refused by the gate without touching the database.
  // All go to one route; the gate counts every function's requests together (functions/_host/database-gate.ts).
  const requests = Array.from({ length: REQUESTS }, async (_, i) => {
    await sleep(i === 0 ? 0 : 20 + i) // in order, so that request 0 holds the connection
    return await send(outcomes, 'read', `${server.url}/secret/${key}`)
  })
  await sleep(500)
  const live = await send(outcomes, 'healthz', `${server.url}/healthz`)
  const answers = await Promise.all(requests)
  await held
  const summary = describeOutcomes(answers)
  t.diagnostic(`lock held ${Date.now() - lockedAt} ms; ${summary}`)
  const waited = answers.filter((a) => a.ms > 2000)
  t.diagnostic(`${waited.length} requests waited for the lock, longest ${Math.max(...waited.map((a) => a.ms))} ms; request 0: ${answers[0]?.status} ${answers[0]?.code ?? ''} after ${answers[0]?.ms} ms`)

  assert.equal(live.status, 200, 'liveness does not depend on the database')
  assert.ok(live.ms < 1000, `/healthz answers at once during the stall (${live.ms} ms)`)
  const busy = answers.filter((o) => o.code === 'SERVICE_BUSY')
  assert.ok(busy.length >= REQUESTS - GATE, `at least ${REQUESTS - GATE} requests are refused by the gate\n${summary}`)
  for (const o of busy) {
    assert.equal(o.status, 503)
    assert.ok(Number(o.retryAfter) > 0, 'SERVICE_BUSY says when to retry')
    assert.ok(o.ms < 1000, `the gate refuses at once (${o.ms} ms)`)
  }
  for (const o of answers) {
    assert.ok(o.status !== 0, `every request gets an HTTP answer (${o.error ?? ''})`)
    assert.ok(o.ms < HOLD_MS + STATEMENT_TIMEOUT_MS, `no request waits past the lock plus one statement timeout (${o.ms} ms)`)
  }
  assert.ok(answers.filter((o) => o.status === 200).length <= 1, 'nothing is revealed twice, stall or not')

  // Request 0 ran into statement_timeout (SQLSTATE 57014): a stalled database, for the client
  // the same as an unavailable one — 503 with Retry-After, never a 500.
  const first = answers[0]
  assert.ok(first !== undefined && first.ms >= STATEMENT_TIMEOUT_MS - 500, `the first request waited for the statement timeout (${first?.ms} ms)`)
  assert.equal(first.status, 503, `a statement cancelled by statement_timeout is answered 503, not ${first.status} ${first.code ?? ''}`)
  assert.ok(Number(first.retryAfter) > 0, 'with Retry-After')

  const after = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: 'after the stall' }))
  assert.equal(after.status, 201, 'the service works once the lock is gone')
})
