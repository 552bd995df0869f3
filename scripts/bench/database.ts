// The databases a run uses: throwaway databases on the machine's PostgreSQL, created and dropped
// here (the server itself and its settings are never touched).
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'

export interface PgEndpoint { host: string, port: number, user: string }

/** The machine's PostgreSQL, from the bench's own POSTGRES_HOST, _PORT and _USER. */
export const SHARED_POSTGRES: PgEndpoint = { host: process.env.POSTGRES_HOST ?? '127.0.0.1', port: Number(process.env.POSTGRES_PORT ?? 5432), user: process.env.POSTGRES_USER ?? 'postgres' }

export function connect (endpoint: PgEndpoint, database: string, max = 1, applicationName = 'burnlink-bench'): postgres.Sql {
  return postgres({ host: endpoint.host, port: endpoint.port, username: endpoint.user, database, max, onnotice: () => {}, connection: { application_name: applicationName } })
}

export interface ThrowawayDatabase {
  endpoint: PgEndpoint
  name: string
  /** The bench's own connections to it (application_name burnlink-bench). */
  sql: postgres.Sql
  drop: () => Promise<void>
}

export async function createThrowawayDatabase (endpoint: PgEndpoint, prefix = 'burnlink_bench'): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = connect(endpoint, 'postgres')
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const sql = connect(endpoint, name, 2)
  const drop = async (): Promise<void> => {
    await sql.end({ timeout: 5 })
    const conn = connect(endpoint, 'postgres')
    await conn.unsafe(`drop database if exists ${name} with (force)`)
    await conn.end()
  }
  return { endpoint, name, sql, drop }
}

/** Pids of the backends serving a database, but for the bench's own connections. */
export async function backendPids (db: ThrowawayDatabase): Promise<number[]> {
  const rows = await db.sql<{ pid: number }[]>`
    select pid
    from pg_stat_activity
    where datname = ${db.name}
      and application_name <> 'burnlink-bench'`
  return rows.map((row) => row.pid)
}

export interface PostgresSettings { version: string, synchronous_commit: string, shared_buffers: string }

export async function postgresSettings (sql: postgres.Sql): Promise<PostgresSettings> {
  const [row] = await sql<PostgresSettings[]>`
    select current_setting('server_version') as version,
           current_setting('synchronous_commit') as synchronous_commit,
           current_setting('shared_buffers') as shared_buffers`
  if (row === undefined) throw new Error('PostgreSQL returned no settings')
  return row
}
