// Applies db/migrations/NNNNN_name.sql in order, once each, under an advisory lock, with checksums.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import type { FastifyBaseLogger } from 'fastify'
import type postgres from 'postgres'

const MIGRATIONS_DIR = new URL('../../../db/migrations/', import.meta.url)
// Any constant works; it only has to be the same in every Burnlink process.
export const MIGRATION_LOCK_KEY = 7_231_885_101

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

export function loadMigrations (): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((file) => /^\d{5}_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file, index) => {
      const version = Number(file.slice(0, 5))
      if (version !== index + 1) throw new Error(`migration ${file} is out of sequence: expected number ${index + 1}`)
      const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8')
      return { version, name: file.slice(6, -4), sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

export const LATEST_VERSION = loadMigrations().length

/** Safe to call from many processes at once: the transaction-scoped lock serialises them. */
export async function migrate (sql: postgres.Sql, log: Pick<FastifyBaseLogger, 'info'>): Promise<void> {
  const migrations = loadMigrations()
  await sql.begin(async (tx) => {
    await tx`set local statement_timeout = 0`
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`
    await tx`
      create table if not exists schema_migration (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`
    const applied = await tx<{ version: number, checksum: string }[]>`select version, checksum from schema_migration`
    const appliedByVersion = new Map(applied.map((row) => [row.version, row.checksum]))
    for (const migration of migrations) {
      const checksum = appliedByVersion.get(migration.version)
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${migration.version}_${migration.name} was changed after it was applied; add a new migration instead`)
        }
        continue
      }
      // The files are ours, never user input: unsafe() only lets them hold several statements.
      await tx.unsafe(migration.sql)
      await tx`insert into schema_migration (version, name, checksum) values (${migration.version}, ${migration.name}, ${migration.checksum})`
      log.info({ migration: `${migration.version}_${migration.name}` }, 'applied migration')
    }
  })
}
