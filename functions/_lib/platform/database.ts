// The database plugin: one postgres.js pool per process (the embedded PostgreSQL when no host is set),
// migrated before the first request, decorated as `app.sql`, closed with the app.
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import postgres from 'postgres'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config.ts'
import { startEmbedded, type EmbeddedCluster, type EmbeddedLog } from './embedded.ts'
import { migrate } from './migrate.ts'

export type Sql = postgres.Sql

/**
 * Where the pool points: the same shape for a server and the embedded cluster,
 * whose host is its socket directory (postgres.js and pg read a host starting with '/' as one).
 */
export interface DatabaseTarget {
  host: string
  port: number
  database: string
  user: string
  password?: string
  embedded: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    sql: Sql
    database: DatabaseTarget
    /** Resolves once the schema is migrated; start-up does not wait for it (see the plugin). */
    databaseReady: Promise<void>
    isDatabaseReady: () => boolean
  }
}

export function openPool (target: DatabaseTarget, poolSize: number, applicationName: string, prepare = true): Sql {
  return postgres({
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    ...(target.password === undefined ? {} : { password: target.password }),
    max: poolSize,
    // Transaction-pooling proxies cannot keep a session's prepared statements (POSTGRES_PREPARE).
    prepare,
    // Fail fast when the database is down, rather than queueing requests behind a dead socket.
    connect_timeout: 5,
    // postgres.js waits up to 20 s between reconnects after repeated failures, holding queries
    // meanwhile; cap it so that during an outage requests get their 503 in under a second.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    // A runaway statement must not hold a connection (and a request) for ever; migrations lift it.
    connection: { application_name: applicationName, statement_timeout: 10_000 }
  })
}

export async function resolveTarget (config: Config, log: EmbeddedLog): Promise<{ target: DatabaseTarget, embedded?: EmbeddedCluster }> {
  const db = config.database
  if (db.host !== undefined) {
    return { target: { host: db.host, port: db.port, database: db.database, user: db.user, ...(db.password === undefined ? {} : { password: db.password }), embedded: false } }
  }
  // Room for the pool (pg-boss runs on it too) and an administrator's psql or `npm run migrate`.
  const embedded = await startEmbedded(config.dataDir, { maxConnections: db.poolSize + 20, database: db.database, log })
  return { target: { host: embedded.host, port: embedded.port, database: db.database, user: embedded.user, password: embedded.password, embedded: true }, embedded }
}

export interface DatabasePluginOptions {
  config: Config
  applicationName: string
}

export const databasePlugin = fp(async (app: FastifyInstance, { config, applicationName }: DatabasePluginOptions) => {
  const { target, embedded } = await resolveTarget(config, app.log)
  const sql = openPool(target, config.database.poolSize, applicationName, config.database.prepare)
  app.decorate('sql', sql)
  app.decorate('database', target)
  const stopping = new AbortController()
  app.addHook('preClose', async () => { stopping.abort() })
  app.addHook('onClose', async () => {
    stopping.abort()
    await sql.end({ timeout: 5 })
    await embedded?.stop()
  })
  app.log.info({ database: embedded === undefined ? `${target.user}@${target.host}:${target.port}/${target.database}` : `embedded PostgreSQL in ${embedded.dataDir}, socket in ${embedded.host}` }, 'using database')

  // The process starts even when PostgreSQL does not answer yet: /readyz says 503 and requests
  // that need the database get 503 until the migrations have run, then it becomes ready by itself.
  let ready = false
  app.decorate('isDatabaseReady', () => ready)
  app.decorate('databaseReady', (async () => {
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        await migrate(sql, app.log)
        ready = true
        return
      } catch (err) {
        if (stopping.signal.aborted) return
        app.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code }, attempt }, 'database not ready; retrying')
        await pause(Math.min(500 * attempt, 5000), stopping.signal)
      }
    }
  })())
}, { name: 'database' })

/** Resolves after `ms`, or at once when the signal aborts; never rejects, never holds the process. */
export async function pause (ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal, ref: false }).catch(() => {})
}
