// Migrations: applied once under concurrency, and a changed file is refused.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../functions/_lib/config.ts'
import { openPool, resolveTarget } from '../functions/_lib/db.ts'
import { LATEST_VERSION, migrate } from '../functions/_lib/migrate.ts'
import { createTestDatabase } from './helper.ts'

const quiet = { info: () => {} }

test('five processes migrating one database at once apply each migration exactly once', async (t) => {
  const database = await createTestDatabase()
  t.after(database.drop)
  const { target, embedded } = await resolveTarget(loadConfig(database.env))
  t.after(async () => { await embedded?.stop() })
  const pools = Array.from({ length: 5 }, () => openPool(target, 2, 'migrate-test'))
  t.after(async () => { await Promise.all(pools.map(async (p) => { await p.end() })) })
  await Promise.all(pools.map(async (sql) => { await migrate(sql, quiet) }))
  const sql = pools[0]
  assert.ok(sql)
  const rows = await sql<{ version: number }[]>`select version from schema_migration order by version`
  assert.deepEqual(rows.map((r) => r.version), Array.from({ length: LATEST_VERSION }, (_, i) => i + 1))

  await sql`update schema_migration set checksum = 'edited' where version = 1`
  await assert.rejects(migrate(sql, quiet), /was changed after it was applied/)
})
