// Fault: PostgreSQL is down when Burnlink starts; the process must start anyway and become ready by itself.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { postJson, send, sleep, startBurnlink, type Outcome } from './burnlink-process.ts'
import { createDatabase, createPrivatePostgres, faultTestSkipReason } from './private-postgres.ts'

test('without PostgreSQL the server starts, is live but not ready, and becomes ready once the database appears', { skip: faultTestSkipReason(), timeout: 120_000 }, async (t) => {
  const pg = await createPrivatePostgres({ start: false })
  t.after(pg.destroy)
  const server = await startBurnlink(pg.env, 'healthz')
  t.after(server.stop)
  const outcomes: Outcome[] = []

  assert.equal((await send(outcomes, 'healthz', `${server.url}/healthz`)).status, 200)
  const notReady = await send(outcomes, 'readyz', `${server.url}/readyz`)
  assert.equal(notReady.status, 503)
  assert.equal(notReady.body?.status, 'unavailable')
  const refused = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: 'too early' }))
  assert.equal(refused.status, 503)
  assert.equal(refused.code, 'SERVICE_DATABASE_UNAVAILABLE')
  assert.ok(Number(refused.retryAfter) > 0, 'a 503 tells the client when to retry')
  assert.ok(refused.ms < 1000, `the gate answers at once, without waiting for the database (${refused.ms} ms)`)

  // Down for a few retry rounds, then the cluster starts, and only later gets its database:
  // the migrations meet both "connection refused" and "database does not exist".
  await sleep(2000)
  await pg.start()
  await sleep(1000)
  await createDatabase(pg)
  const appeared = Date.now()
  let ready: Outcome | undefined
  while (Date.now() - appeared < 30_000) {
    ready = await send(outcomes, 'readyz', `${server.url}/readyz`)
    if (ready.status === 200) break
    await sleep(250)
  }
  assert.equal(ready?.status, 200, `ready within 30 s of the database appearing\n${server.output()}`)
  t.diagnostic(`ready ${Date.now() - appeared} ms after the database was created`)

  const created = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: 'now it works' }))
  assert.equal(created.status, 201)
  const revealed = await send(outcomes, 'read', `${server.url}/secret/${String(created.body?.secret_key)}`)
  assert.deepEqual(revealed.body, { secret: 'now it works' })
})
