// Migrations: applied once, also under concurrency, and a changed file is refused.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type postgres from 'postgres'
import { loadConfig } from '../functions/_lib/platform/config.ts'
import { openPool, resolveTarget } from '../functions/_lib/platform/database.ts'
import { LATEST_VERSION, migrate } from '../functions/_lib/platform/migrate.ts'
import { createTestDatabase, onCleanup } from './helper.ts'

const quiet = { info: () => {}, warn: () => {} }
const ALL_VERSIONS = Array.from({ length: LATEST_VERSION }, (_, i) => i + 1)

async function pools (t: TestContext, count: number): Promise<postgres.Sql[]> {
  const database = await createTestDatabase()
  onCleanup(t, database.drop)
  const { target } = await resolveTarget(loadConfig(database.env), quiet)
  const opened = Array.from({ length: count }, () => openPool(target, 2, 'migrate-test'))
  onCleanup(t, async () => { await Promise.all(opened.map(async (p) => { await p.end() })) })
  return opened
}

async function appliedVersions (sql: postgres.Sql): Promise<number[]> {
  const rows = await sql<{ version: number }[]>`select version from schema_migration order by version`
  return rows.map((r) => r.version)
}

test('migrating twice applies each migration once, and a changed file is refused', async (t) => {
  const [sql] = await pools(t, 1)
  assert.ok(sql)
  await migrate(sql, quiet)
  await migrate(sql, quiet)
  assert.deepEqual(await appliedVersions(sql), ALL_VERSIONS)

  await sql`update schema_migration set checksum = 'edited' where version = 1`
  await assert.rejects(migrate(sql, quiet), /was changed after it was applied/)
})

test('five processes migrating one database at once apply each migration exactly once', async (t) => {
  const migrators = await pools(t, 5)
  await Promise.all(migrators.map(async (sql) => { await migrate(sql, quiet) }))
  const [sql] = migrators
  assert.ok(sql)
  assert.deepEqual(await appliedVersions(sql), ALL_VERSIONS)
})
