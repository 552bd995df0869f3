// The databases a run uses: a throwaway database on the machine's PostgreSQL (created and dropped
// here, the server itself is never touched) and, for pg_stat_statements, a private instance.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'

export interface PgEndpoint { host: string, port: number, user: string }

export const SHARED_POSTGRES: PgEndpoint = {
  host: process.env.POSTGRES_HOST ?? '127.0.0.1',
  port: Number(process.env.POSTGRES_PORT ?? 5432),
  user: process.env.POSTGRES_USER ?? 'postgres'
}

export function connect (endpoint: PgEndpoint, database: string, max = 1, applicationName = 'burnlink-bench'): postgres.Sql {
  return postgres({
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.user,
    database,
    max,
    onnotice: () => {},
    connection: { application_name: applicationName }
  })
}

export interface ThrowawayDatabase {
  endpoint: PgEndpoint
  name: string
  /** The bench's own monitoring connection to it. */
  sql: postgres.Sql
  drop: () => Promise<void>
}

export async function createThrowawayDatabase (endpoint: PgEndpoint, prefix = 'burnlink_bench'): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = connect(endpoint, 'postgres')
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const sql = connect(endpoint, name, 2)
  return {
    endpoint,
    name,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 })
      const conn = connect(endpoint, 'postgres')
      await conn.unsafe(`drop database if exists ${name} with (force)`)
      await conn.end()
    }
  }
}

/** Pids of the backends serving a database, except the bench's own monitoring connections. */
export async function backendPids (db: ThrowawayDatabase): Promise<number[]> {
  const rows = await db.sql<{ pid: number }[]>`
    select pid
    from pg_stat_activity
    where datname = ${db.name}
      and application_name <> 'burnlink-bench'
      and pid <> pg_backend_pid()`
  return rows.map((row) => row.pid)
}

export interface PostgresSettings { version: string, synchronous_commit: string, shared_buffers: string, fsync: string, max_connections: string, autovacuum_naptime: string }

export async function postgresSettings (sql: postgres.Sql): Promise<PostgresSettings> {
  const rows = await sql<{ name: string, setting: string }[]>`
    select name, current_setting(name) as setting
    from pg_settings
    where name in ('server_version', 'synchronous_commit', 'shared_buffers', 'fsync', 'max_connections', 'autovacuum_naptime')`
  const get = (name: string): string => rows.find((row) => row.name === name)?.setting ?? 'unknown'
  return {
    version: get('server_version'),
    synchronous_commit: get('synchronous_commit'),
    shared_buffers: get('shared_buffers'),
    fsync: get('fsync'),
    max_connections: get('max_connections'),
    autovacuum_naptime: get('autovacuum_naptime')
  }
}

export interface PrivateInstance { endpoint: PgEndpoint, stop: () => void }

/**
 * A private PostgreSQL (initdb + pg_ctl on a spare port, as user postgres) with pg_stat_statements
 * preloaded: the shared server cannot load it without a restart, and restarting it is not ours
 * to do. Returns undefined when the binaries are missing.
 */
export function startPrivateInstance (port: number, settings: Record<string, string>): PrivateInstance | undefined {
  const bin = findPgBin()
  if (bin === undefined) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-bench-pg-'))
  chmodSync(dir, 0o777)
  const dataDir = join(dir, 'data')
  const asPostgres = (args: string[]): void => {
    const command = process.getuid?.() === 0 ? 'runuser' : args[0] as string
    const argv = process.getuid?.() === 0 ? ['-u', 'postgres', '--', ...args] : args.slice(1)
    const result = spawnSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`)
  }
  asPostgres([join(bin, 'initdb'), '-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'])
  const conf = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${dir}'`,
    shared_preload_libraries: "'pg_stat_statements'",
    'pg_stat_statements.track': "'all'",
    ...settings
  }
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n')
  asPostgres([join(bin, 'pg_ctl'), '-D', dataDir, '-l', join(dir, 'log'), '-w', 'start'])
  return {
    endpoint: { host: '127.0.0.1', port, user: 'postgres' },
    stop: () => {
      try {
        asPostgres([join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'fast', '-w', 'stop'])
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}

function findPgBin (): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()
    return dir
  } catch {
    return undefined
  }
}
