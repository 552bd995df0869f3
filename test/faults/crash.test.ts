// Fault: PostgreSQL crashes (immediate stop); the UNLOGGED secrets are gone by design, the audit log and the service are not.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseToken } from '../../functions/_lib/secrets/token.ts'
import { postJson, send, sleep, startBurnlink, type Outcome } from './burnlink-process.ts'
import { createPrivatePostgres, faultTestSkipReason } from './private-postgres.ts'

test('after a PostgreSQL crash the unread secrets are gone (404), their audit rows survive, and new secrets work', { skip: faultTestSkipReason(), timeout: 120_000 }, async (t) => {
  const pg = await createPrivatePostgres()
  t.after(pg.destroy)
  const server = await startBurnlink(pg.env)
  t.after(server.stop)
  const outcomes: Outcome[] = []

  const keys: string[] = []
  for (let i = 0; i < 20; i++) {
    const res = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: `before the crash ${i}` }))
    assert.equal(res.status, 201)
    keys.push(String(res.body?.secret_key))
  }
  const revealed = keys.slice(0, 5)
  const deleted = keys.slice(5, 8)
  const unread = keys.slice(8)
  for (const key of revealed) assert.equal((await send(outcomes, 'read', `${server.url}/secret/${key}`)).status, 200)
  for (const key of deleted) assert.equal((await send(outcomes, 'delete', `${server.url}/secret/${key}`, { method: 'DELETE' })).status, 200)

  // `-m immediate` is a crash: no checkpoint, WAL replay on start, and UNLOGGED tables reset to empty.
  await pg.stop('immediate')
  const refused = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: 'during the crash' }))
  assert.equal(refused.status, 503)
  assert.equal(refused.code, 'SERVICE_DATABASE_UNAVAILABLE')
  await pg.start()

  const sql = pg.connect()
  t.after(async () => { await sql.end() })
  const [stored] = await sql<{ n: number }[]>`select count(*)::int as n from secret`
  assert.equal(stored?.n, 0, 'the UNLOGGED secret table is empty after crash recovery')
  assert.match(pg.log(), /database system was interrupted|automatic recovery|redo/, 'PostgreSQL did run crash recovery')

  // The pool finds its way back by itself; the first requests after the crash may still see 503.
  const upAt = Date.now()
  let after: Outcome | undefined
  while (Date.now() - upAt < 15_000) {
    after = await send(outcomes, 'create', `${server.url}/secret`, postJson({ secret: 'after the crash' }))
    if (after.status === 201) break
    assert.equal(after.status, 503, `only 503 until the pool reconnects, not ${after.status} ${after.code ?? after.error ?? ''}`)
    await sleep(200)
  }
  assert.equal(after?.status, 201, `the service works again after the crash\n${server.output()}`)
  const reread = await send(outcomes, 'read', `${server.url}/secret/${String(after?.body?.secret_key)}`)
  assert.deepEqual(reread.body, { secret: 'after the crash' })

  for (const key of unread) {
    const res = await send(outcomes, 'read', `${server.url}/secret/${key}`)
    assert.equal(res.status, 404, 'a secret stored before the crash is gone, answered like any unknown key')
    assert.equal(res.code, 'SECRET_NOT_FOUND')
  }

  const rows = await sql<{ event: string, secret_ref: string }[]>`select event, secret_ref from audit_log`
  const events = new Set(rows.map((r) => `${r.event} ${r.secret_ref}`))
  const ref = (key: string): string => parseToken(key)?.ref ?? 'malformed'
  for (const key of keys) assert.ok(events.has(`created ${ref(key)}`), 'every committed "created" row survives the crash')
  for (const key of revealed) assert.ok(events.has(`revealed ${ref(key)}`), 'every committed "revealed" row survives the crash')
  for (const key of deleted) assert.ok(events.has(`deleted ${ref(key)}`), 'every committed "deleted" row survives the crash')
  // The crash itself leaves no trace per secret: the unread ones simply have no closing event.
  for (const key of unread) assert.equal(rows.filter((r) => r.secret_ref === ref(key)).length, 1)
})
