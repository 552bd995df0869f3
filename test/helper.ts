// Test harness: a real Burnlink host on its own throwaway database (in the run's embedded
// PostgreSQL, or in the server POSTGRES_HOST names), driven through Fastify's HTTP stack with inject().
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { TestContext } from 'node:test'
import postgres from 'postgres'
import { buildHost } from '../functions/_host/build.ts'
import { ALL_FUNCTIONS } from '../functions/index.ts'
import { loadConfig, type Config } from '../functions/_lib/platform/config.ts'
import type { Sql } from '../functions/_lib/platform/database.ts'
import type { App, HttpFunction } from '../functions/_lib/platform/http-function.ts'
import { loadKeys } from '../functions/_lib/secrets/master-key.ts'
import { CLUSTER_VARIABLE, globalSetup, globalTeardown, type TestCluster } from './embedded-cluster.ts'
import { installExitReport } from './exit-report.ts'

installExitReport()

/** True without POSTGRES_HOST: the run's databases live in one embedded PostgreSQL cluster. */
export const EMBEDDED_POSTGRES = (process.env.POSTGRES_HOST ?? '') === ''

let cluster: Promise<TestCluster> | undefined

/**
 * The run's embedded cluster (only when EMBEDDED_POSTGRES). `npm test` starts it once for all
 * files; a file run alone with plain `node --test` starts one of its own, stopped when it ends.
 */
async function embeddedCluster (): Promise<TestCluster> {
  if (!EMBEDDED_POSTGRES) throw new Error('POSTGRES_HOST is set: the tests use that server, not an embedded cluster')
  cluster ??= (async () => {
    if (process.env[CLUSTER_VARIABLE] === undefined) {
      await globalSetup()
      let stopped = false
      process.on('beforeExit', () => { if (!stopped) { stopped = true; void globalTeardown() } })
    }
    return JSON.parse(process.env[CLUSTER_VARIABLE] ?? '') as TestCluster
  })()
  return await cluster
}

/** The server the tests create their databases in, as its administrator. */
async function testServer (): Promise<{ host: string, port: number, user: string, password?: string }> {
  if (EMBEDDED_POSTGRES) return await embeddedCluster()
  return {
    host: process.env.POSTGRES_HOST ?? '',
    port: Number(process.env.POSTGRES_PORT ?? 5432),
    user: process.env.POSTGRES_USER ?? 'postgres',
    ...(process.env.POSTGRES_PASSWORD === undefined ? {} : { password: process.env.POSTGRES_PASSWORD })
  }
}

export interface TestDatabase {
  /** Environment pointing Burnlink at this database. */
  env: Record<string, string>
  drop: () => Promise<void>
}

/** A fresh database on the test server, and a DATA_DIR of its own. */
export async function createTestDatabase (): Promise<TestDatabase> {
  const server = await testServer()
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-test-'))
  const name = `burnlink_test_${randomBytes(6).toString('hex')}`
  const admin = adminConnection(server)
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  return {
    env: {
      DATA_DIR: dataDir,
      POSTGRES_HOST: server.host,
      POSTGRES_PORT: String(server.port),
      POSTGRES_USER: server.user,
      ...(server.password === undefined ? {} : { POSTGRES_PASSWORD: server.password }),
      POSTGRES_DB: name
    },
    drop: async () => {
      const conn = adminConnection(server)
      await conn.unsafe(`drop database if exists ${name} with (force)`)
      await conn.end()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

function adminConnection (server: { host: string, port: number, user: string, password?: string }): postgres.Sql {
  return postgres({
    host: server.host,
    port: server.port,
    username: server.user,
    ...(server.password === undefined ? {} : { password: server.password }),
    database: 'postgres',
    max: 1,
    onnotice: () => {}
  })
}

export interface TestApp {
  app: App
  config: Config
  /** Every log line the host wrote, raw. */
  logs: string[]
  env: Record<string, string>
}

export interface TestAppOptions {
  env?: Record<string, string>
  functions?: readonly HttpFunction[]
  runWorker?: boolean
  /** Reuse a database (restart tests); by default each app gets a new one, dropped after the test. */
  database?: TestDatabase
  /** Wait for the migrations before returning (default); false for tests of an absent database. */
  waitForDatabase?: boolean
}

const cleanups = new WeakMap<object, Array<() => unknown>>()

/**
 * Runs fn after the test, before whatever was registered before it: an app closes before its
 * database is dropped. (node:test runs its own after-hooks in the order they were added, which
 * had dropped databases under apps still running.)
 */
export function onCleanup (t: Pick<TestContext, 'after'>, fn: () => unknown): void {
  let stack = cleanups.get(t)
  if (stack === undefined) {
    const pending: Array<() => unknown> = stack = []
    cleanups.set(t, stack)
    t.after(async () => {
      const failures: unknown[] = []
      for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
        try { await next() } catch (err) { failures.push(err) } // the rest still run
      }
      if (failures.length === 1) throw failures[0]
      if (failures.length > 1) throw new AggregateError(failures, 'cleanups failed')
    })
  }
  stack.push(fn)
}

export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64')

export async function startTestApp (t: Pick<TestContext, 'after'>, options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? await createTestDatabase()
  if (options.database === undefined) onCleanup(t, database.drop)
  const env = { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, LOG_LEVEL: 'info', POSTGRES_POOL_SIZE: '5', ...database.env, ...options.env }
  const config = loadConfig(env)
  const logs: string[] = []
  const logStream = new Writable({ write (chunk: Buffer, _encoding, done) { logs.push(chunk.toString('utf8')); done() } })
  const app = await buildHost({
    config,
    keys: loadKeys(config).keys,
    functions: options.functions ?? ALL_FUNCTIONS,
    runWorker: options.runWorker ?? false,
    logStream
  })
  onCleanup(t, async () => { await app.close() })
  await app.ready()
  if (options.waitForDatabase !== false) await app.databaseReady
  return { app, config, logs, env }
}

export interface Created { secret_key: string, expires_at: string }

export async function createSecret (app: App, body: Record<string, unknown>): Promise<Created> {
  const res = await app.inject({ method: 'POST', url: '/secret', payload: body })
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`)
  return res.json<Created>()
}

export interface AuditRow {
  event: string
  secret_ref: string
  client_ip: string | null
  user_agent: string | null
  request_id: string | null
  details: Record<string, unknown>
}

export async function auditRows (app: App): Promise<AuditRow[]> {
  return [...await app.sql<AuditRow[]>`select event, secret_ref, host(client_ip) as client_ip, user_agent, request_id, details from audit_log order by id`]
}

/**
 * Everything the database holds, as pg_dump would write its data: every table's rows in COPY's
 * text form. Read through SQL, it needs no client program matching the server's version.
 */
export async function databaseBytes (sql: Sql): Promise<Buffer> {
  const tables = await sql<{ schema: string, name: string }[]>`
    select table_schema as schema, table_name as name
    from information_schema.tables
    where table_type = 'BASE TABLE'
      and table_schema not in ('pg_catalog', 'information_schema')`
  const parts: Buffer[] = []
  for (const { schema, name } of tables) {
    parts.push(Buffer.from(`-- ${schema}.${name}\n`))
    for await (const chunk of await sql`copy ${sql(schema)}.${sql(name)} to stdout`.readable()) parts.push(chunk as Buffer)
  }
  return Buffer.concat(parts)
}
