// pg-boss runs on the process's own postgres.js pool (functions/_host/pg-boss-db.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bossDatabase } from '../functions/_host/pg-boss-db.ts'
import { startTestApp } from './helper.ts'

test('with the worker on, pg-boss opens no connection of its own: every one is the pool\'s', async (t) => {
  const { app, config } = await startTestApp(t, { runWorker: true })
  await app.jobsStarted
  const rows = await app.sql<{ application_name: string, count: number }[]>`
    select application_name, count(*)::int as count
    from pg_stat_activity
    where datname = current_database()
    group by 1`
  assert.deepEqual(rows.map((r) => r.application_name), ['burnlink'])
  assert.ok((rows[0]?.count ?? 0) <= config.database.poolSize)
})

test('a pg-boss script answers with the rows of all its statements', async (t) => {
  const { app } = await startTestApp(t)
  const db = bossDatabase(app.sql)
  const { rows } = await db.executeSql('BEGIN; SELECT 1 AS a; SELECT 2 AS b; COMMIT;')
  assert.deepEqual(rows, [{ a: 1 }, { b: 2 }])
  assert.deepEqual((await db.executeSql('SELECT $1::text AS name, $2::int AS n', ['q', undefined])).rows, [{ name: 'q', n: null }])
})

test('a pg-boss script that fails half-way rejects with its own SQLSTATE, rolls back and leaves the pool usable', async (t) => {
  const { app } = await startTestApp(t)
  const db = bossDatabase(app.sql)
  await app.sql`create table boss_probe (n int)`
  // pg-boss tells some failures apart by their SQLSTATE (22012 is its guard against a lost insert).
  await assert.rejects(db.executeSql('BEGIN; INSERT INTO boss_probe VALUES (1); SELECT 1/0; COMMIT;'), { code: '22012' })
  const [row] = await app.sql<{ count: number }[]>`select count(*)::int as count from boss_probe`
  assert.equal(row?.count, 0)
  // Every connection of the pool is still fit for a query of its own.
  const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) => await app.sql<{ i: number }[]>`select ${i}::int as i`))
  assert.deepEqual(answers.map(([r]) => r?.i), Array.from({ length: 10 }, (_, i) => i))
})
