// Fault: PostgreSQL restarts under load; fast 503s while down, recovery by itself, no double reveal, no lost audit row.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseToken } from '../../functions/_lib/secrets/token.ts'
import { describeOutcomes, postJson, send, sleep, startBurnlink, type Outcome } from './burnlink-process.ts'
import { createPrivatePostgres, faultTestSkipReason } from './private-postgres.ts'

const CLIENTS = 8
const DOWN_MS = 2500
const FAST_MS = 6000

test('a PostgreSQL restart under load costs fast 503s, heals by itself, reveals nothing twice and loses no audit row', { skip: faultTestSkipReason(), timeout: 150_000 }, async (t) => {
  const pg = await createPrivatePostgres()
  t.after(pg.destroy)
  const server = await startBurnlink(pg.env)
  t.after(server.stop)
  const outcomes: Outcome[] = []
  const reveals = new Map<string, number>()
  const deleted: string[] = []
  const created: string[] = []

  // Keys shared by all clients, so that reads race each other across the outage too.
  for (let i = 0; i < 40; i++) {
    const res = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: `shared ${i}` }))
    assert.equal(res.status, 201)
    created.push(String(res.body?.secret_key))
  }
  const control = { stop: false }
  const client = async (n: number): Promise<void> => {
    for (let i = 0; !control.stop && i < 2000; i++) {
      const made = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: `client ${n} #${i}` }))
      if (made.status === 201) created.push(String(made.body?.secret_key))
      const key = i % 3 === 0 ? created[Math.floor(Math.random() * created.length)] : created.at(-1)
      if (key === undefined) continue
      if (i % 5 === 4) {
        const gone = await send(outcomes, 'delete', `${server.url}/secret/${key}`, { method: 'DELETE' })
        if (gone.status === 200) deleted.push(key)
      } else {
        const read = await send(outcomes, 'read', `${server.url}/secret/${key}`)
        if (read.status === 200) reveals.set(key, (reveals.get(key) ?? 0) + 1)
      }
      if (made.status !== 201) await sleep(50) // clients back off a little while refused
    }
  }
  const load = Promise.all(Array.from({ length: CLIENTS }, async (_, n) => { await client(n) }))

  await sleep(1500)
  // A restart with a guaranteed outage window: `pg_ctl restart -m fast` is the same stop and start.
  const downAt = Date.now()
  await pg.stop('fast')
  await sleep(DOWN_MS)
  await pg.start()
  const upAt = Date.now()
  // Recovery is the service's job: it must succeed again within 15 s without any help.
  let recoveredAt: number | undefined
  while (Date.now() - upAt < 15_000 && recoveredAt === undefined) {
    await sleep(200)
    if (outcomes.some((o) => o.startedAt > upAt && o.op === 'create' && o.status === 201)) recoveredAt = Date.now()
  }
  await sleep(1000)
  control.stop = true
  await load

  const summary = describeOutcomes(outcomes)
  t.diagnostic(`outage ${upAt - downAt} ms, recovered ${recoveredAt === undefined ? 'never' : `${recoveredAt - upAt} ms after start`}; ${summary}`)
  assert.ok(recoveredAt !== undefined, `requests succeed again after the restart\n${summary}\n${server.output()}`)

  const failures = outcomes.filter((o) => o.status !== 200 && o.status !== 201 && o.status !== 404)
  assert.ok(failures.some((o) => o.startedAt >= downAt && o.startedAt < upAt), `the outage was noticed by some request\n${summary}`)
  for (const o of failures) {
    assert.equal(o.status, 503, `while PostgreSQL is down requests fail with 503, not ${o.status} ${o.code ?? o.error ?? ''}\n${summary}\n${server.output()}`)
    assert.equal(o.code, 'SERVICE_DATABASE_UNAVAILABLE', summary)
    assert.ok(Number(o.retryAfter) > 0, 'every 503 says when to retry')
  }
  const slowest = Math.max(...outcomes.map((o) => o.ms))
  for (const o of outcomes.filter((o) => o.ms > 1000)) t.diagnostic(`slow: ${o.op} ${o.status} ${o.code ?? ''} started ${o.startedAt - downAt} ms after the stop, took ${o.ms} ms`)
  assert.ok(slowest < FAST_MS, `every request is answered within ${FAST_MS} ms, even during the outage (slowest ${slowest} ms)`)

  const twice = [...reveals].filter(([, n]) => n > 1)
  assert.deepEqual(twice, [], 'no secret is revealed twice')

  // Every success the clients saw left its audit row (a failure may have committed too: see docs/security.md).
  const sql = pg.connect()
  t.after(async () => { await sql.end() })
  const audited = new Set((await sql<{ event: string, secret_ref: string }[]>`select event, secret_ref from audit_log`).map((r) => `${r.event} ${r.secret_ref}`))
  const ref = (key: string): string => parseToken(key)?.ref ?? 'malformed'
  const missing = [
    ...created.map((key) => `created ${ref(key)}`),
    ...[...reveals.keys()].map((key) => `revealed ${ref(key)}`),
    ...deleted.map((key) => `deleted ${ref(key)}`)
  ].filter((event) => !audited.has(event))
  assert.deepEqual(missing, [], 'every operation that returned success has its audit row')
  assert.ok(created.length > 40 && reveals.size > 0 && deleted.length > 0, `the load did create, reveal and delete (${created.length}, ${reveals.size}, ${deleted.length})`)
})
