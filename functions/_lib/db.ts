// The database plugin: one postgres.js pool per process (embedded PGlite when no host is set),
// migrated before the first request, decorated as `app.sql`, closed with the app.
import fp from 'fastify-plugin'
import postgres from 'postgres'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config.ts'
import { startEmbedded, type EmbeddedDatabase } from './embedded.ts'
import { migrate } from './migrate.ts'

export type Sql = postgres.Sql

/** Where the pool points: the same shape for PGlite and a real server, used by pg-boss too. */
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
  }
}

export function openPool (target: DatabaseTarget, poolSize: number, applicationName: string): Sql {
  return postgres({
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    ...(target.password === undefined ? {} : { password: target.password }),
    max: poolSize,
    // Fail fast when the database is down, rather than queueing requests behind a dead socket.
    connect_timeout: 5,
    idle_timeout: 60,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    connection: { application_name: applicationName }
  })
}

export async function resolveTarget (config: Config): Promise<{ target: DatabaseTarget, embedded?: EmbeddedDatabase }> {
  const db = config.database
  if (db.host !== undefined) {
    return { target: { host: db.host, port: db.port, database: db.database, user: db.user, ...(db.password === undefined ? {} : { password: db.password }), embedded: false } }
  }
  // pg-boss takes a few connections of its own; the socket server multiplexes them onto PGlite.
  const embedded = await startEmbedded(config.dataDir, db.poolSize + 8)
  return { target: { host: embedded.host, port: embedded.port, database: 'postgres', user: 'postgres', embedded: true }, embedded }
}

export interface DatabasePluginOptions {
  config: Config
  applicationName: string
}

export const databasePlugin = fp(async (app: FastifyInstance, { config, applicationName }: DatabasePluginOptions) => {
  const { target, embedded } = await resolveTarget(config)
  const sql = openPool(target, config.database.poolSize, applicationName)
  app.decorate('sql', sql)
  app.decorate('database', target)
  app.addHook('onClose', async () => {
    await sql.end({ timeout: 5 })
    await embedded?.stop()
  })
  app.log.info({ database: target.embedded ? `embedded PGlite in ${embedded?.dataDir}` : `${target.user}@${target.host}:${target.port}/${target.database}` }, 'using database')
  await migrate(sql, app.log)
}, { name: 'database' })
