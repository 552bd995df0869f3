// Expiry: expired secrets are never returned, are removed on access, and by the purge job.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { pruneAudit } from '../functions/prune-audit.ts'
import { purgeExpired } from '../functions/purge-expired.ts'
import { auditRows, createSecret, startTestApp } from './helper.ts'

const shortLived = { SECRET_MIN_TTL_SECONDS: '1' }

test('an expired secret is a 404 on read and on delete, and reading it records it as expired', async (t) => {
  const { app } = await startTestApp(t, { env: shortLived })
  const gone = await createSecret(app, { secret: 'short', ttl_seconds: 1 })
  const kept = await createSecret(app, { secret: 'long', ttl_seconds: 600 })
  await sleep(1200)
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${gone.secret_key}` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${gone.secret_key}` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${kept.secret_key}` })).statusCode, 200)
  const [{ count }] = await app.sql<[{ count: number }]>`select count(*)::int as count from secret`
  assert.equal(count, 0, 'the expired row was removed when it was met')
  assert.deepEqual((await auditRows(app)).map((r) => r.event).sort(), ['created', 'created', 'expired', 'revealed'])
})

test('purgeExpired deletes expired rows in bounded batches with one expired audit row each', async (t) => {
  const { app } = await startTestApp(t, { env: shortLived })
  for (let i = 0; i < 5; i++) await createSecret(app, { secret: `s${i}`, ttl_seconds: 1 })
  const live = await createSecret(app, { secret: 'live', ttl_seconds: 600 })
  await sleep(1200)
  const result = await purgeExpired(app.sql, 2)
  assert.deepEqual(result, { purged: 5, batches: 3 })
  const rows = await auditRows(app)
  const expired = rows.filter((r) => r.event === 'expired')
  assert.equal(expired.length, 5)
  assert.equal(new Set(expired.map((r) => r.secret_ref)).size, 5)
  assert.ok(expired.every((r) => r.client_ip === null && typeof r.details.lifetime_seconds === 'number'))
  assert.deepEqual(await purgeExpired(app.sql, 2), { purged: 0, batches: 1 })
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${live.secret_key}` })).statusCode, 200)
})

test('purgeExpired stops after maxBatches, leaving the rest for the next run', async (t) => {
  const { app } = await startTestApp(t, { env: shortLived })
  for (let i = 0; i < 4; i++) await createSecret(app, { secret: `s${i}`, ttl_seconds: 1 })
  await sleep(1200)
  assert.deepEqual(await purgeExpired(app.sql, 1, 2), { purged: 2, batches: 2 })
  assert.deepEqual(await purgeExpired(app.sql, 10), { purged: 2, batches: 1 })
})

test('a paced purge waits between full batches, never after its last, and not at all unpaced', async (t) => {
  const { app } = await startTestApp(t, { env: shortLived })
  for (let i = 0; i < 5; i++) await createSecret(app, { secret: `s${i}`, ttl_seconds: 1 })
  await sleep(1200)
  const pauses: number[] = []
  const pause = async (ms: number): Promise<void> => { pauses.push(ms) }
  // 2 rows per batch at 4 rows/s: each batch takes at least 500 ms, the statement's time included.
  assert.deepEqual(await purgeExpired(app.sql, 2, 100, { rowsPerSecond: 4, pause }), { purged: 5, batches: 3 })
  assert.equal(pauses.length, 2, 'after the two full batches; the last one (1 row) ends the purge')
  assert.ok(pauses.every((ms) => ms > 0 && ms <= 500), `each pause is the rest of its batch's 500 ms: ${pauses.join(', ')}`)

  for (let i = 0; i < 4; i++) await createSecret(app, { secret: `t${i}`, ttl_seconds: 1 })
  await sleep(1200)
  pauses.length = 0
  assert.deepEqual(await purgeExpired(app.sql, 2, 1, { rowsPerSecond: 4, pause }), { purged: 2, batches: 1 })
  assert.equal(pauses.length, 0, 'maxBatches reached: the run ends without waiting')
  assert.deepEqual(await purgeExpired(app.sql, 1, 100, { rowsPerSecond: 0, pause }), { purged: 2, batches: 3 })
  assert.equal(pauses.length, 0, 'rowsPerSecond 0 purges back to back')
})

test('a purge told to stop ends after the batch in flight, its pause cut short, and leaves the rest for the next run', { timeout: 15_000 }, async (t) => {
  const { app } = await startTestApp(t, { env: shortLived })
  for (let i = 0; i < 5; i++) await createSecret(app, { secret: `s${i}`, ttl_seconds: 1 })
  await sleep(1200)
  const stop = new AbortController()
  const stopAtFirstPause = async (): Promise<void> => { stop.abort() }
  assert.deepEqual(await purgeExpired(app.sql, 2, 100, { rowsPerSecond: 4, pause: stopAtFirstPause }, stop.signal), { purged: 2, batches: 1 })
  assert.deepEqual(await purgeExpired(app.sql, 2, 100, { rowsPerSecond: 0 }, stop.signal), { purged: 0, batches: 0 }, 'stopped before it began')

  // The real pause: 2 rows at 0.1 rows/s is 20 s between batches; a stop 100 ms in must end it
  // (unbroken, that one pause would outlast the test's timeout).
  const shutdown = new AbortController()
  setTimeout(() => { shutdown.abort() }, 100)
  assert.deepEqual(await purgeExpired(app.sql, 2, 100, { rowsPerSecond: 0.1 }, shutdown.signal), { purged: 2, batches: 1 })
  assert.deepEqual(await purgeExpired(app.sql, 2), { purged: 1, batches: 1 }, 'the next run takes the rest')
})

test('with the worker on, pg-boss holds the every-minute purge and the daily retention schedules', async (t) => {
  const { app } = await startTestApp(t, { runWorker: true })
  await app.jobsStarted
  const schedules = await app.sql<{ name: string, cron: string }[]>`select name, cron from pgboss.schedule`
  assert.deepEqual(schedules.map((s) => ({ ...s })).sort((a, b) => a.name.localeCompare(b.name)), [{ name: 'prune-audit', cron: '17 3 * * *' }, { name: 'purge-expired', cron: '* * * * *' }, { name: 'webhook-drain', cron: '* * * * *' }])
})

test('pruneAudit deletes audit rows and receipts older than the retention, and nothing when it is 0', async (t) => {
  const { app } = await startTestApp(t)
  await createSecret(app, { secret: 'old' })
  await createSecret(app, { secret: 'new' })
  await app.sql`update audit_log set occurred_at = now() - interval '40 days' where id = (select min(id) from audit_log)`
  await app.sql`update receipt set created_at = now() - interval '40 days' where created_at = (select min(created_at) from receipt)`
  assert.deepEqual(await pruneAudit(app.sql, 0), { auditRows: 0, receipts: 0 })
  assert.deepEqual(await pruneAudit(app.sql, 30, 1), { auditRows: 1, receipts: 1 })
  assert.equal((await auditRows(app)).length, 1)
  assert.deepEqual(await pruneAudit(app.sql, 30), { auditRows: 0, receipts: 0 })
})
