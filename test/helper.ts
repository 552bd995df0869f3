// Test harness: a real Burnlink host on its own throwaway database (PGlite, or PostgreSQL when
// POSTGRES_HOST is set), driven through Fastify's HTTP stack with inject().
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { TestContext } from 'node:test'
import postgres from 'postgres'
import { buildHost } from '../functions/_host/build.ts'
import { ALL_FUNCTIONS } from '../functions/index.ts'
import { loadConfig, type Config } from '../functions/_lib/platform/config.ts'
import type { App, HttpFunction } from '../functions/_lib/platform/http-function.ts'
import { loadKeys } from '../functions/_lib/secrets/master-key.ts'
import { installExitReport } from './exit-report.ts'

installExitReport()

export const REAL_POSTGRES = process.env.POSTGRES_HOST !== undefined && process.env.POSTGRES_HOST !== ''

export interface TestDatabase {
  /** Environment pointing Burnlink at this database. */
  env: Record<string, string>
  drop: () => Promise<void>
}

/** A fresh database: a new PostgreSQL database, or a new PGlite directory. */
export async function createTestDatabase (): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-test-'))
  if (!REAL_POSTGRES) throw new Error('TODO(embedded): the embedded cluster for tests')
  const name = `burnlink_test_${randomBytes(6).toString('hex')}`
  const admin = adminConnection()
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  return {
    env: {
      DATA_DIR: dataDir,
      POSTGRES_HOST: process.env.POSTGRES_HOST ?? '127.0.0.1',
      POSTGRES_PORT: process.env.POSTGRES_PORT ?? '5432',
      POSTGRES_USER: process.env.POSTGRES_USER ?? 'postgres',
      ...(process.env.POSTGRES_PASSWORD === undefined ? {} : { POSTGRES_PASSWORD: process.env.POSTGRES_PASSWORD }),
      POSTGRES_DB: name
    },
    drop: async () => {
      const conn = adminConnection()
      await conn.unsafe(`drop database if exists ${name} with (force)`)
      await conn.end()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

function adminConnection (): postgres.Sql {
  return postgres({
    host: process.env.POSTGRES_HOST ?? '127.0.0.1',
    port: Number(process.env.POSTGRES_PORT ?? 5432),
    username: process.env.POSTGRES_USER ?? 'postgres',
    ...(process.env.POSTGRES_PASSWORD === undefined ? {} : { password: process.env.POSTGRES_PASSWORD }),
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
 * had dropped databases, or deleted PGlite's files, under apps still running.)
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
