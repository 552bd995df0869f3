// The server under test with its database: start it, seed revealable keys, reset between workloads.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { backendPids, createThrowawayDatabase, type PgEndpoint, type ThrowawayDatabase } from './database.ts'
import { runLoad, type Target } from './load.ts'
import { PeakRss } from './peak-rss.ts'
import { benchKeyring, seedRevealable } from './seed.ts'
import { startServer, type RunningServer } from './server.ts'

export interface Subject {
  mode: 'postgres' | 'embedded'
  server: RunningServer
  db?: ThrowawayDatabase
  target: Target
  /** The server's peak RSS, per workload (runWorkload starts a phase) and over its life. */
  peakRss: PeakRss
  /** Makes `count` secrets revealable and writes their keys to `keysFile`. */
  seed: (count: number, keysFile: string) => Promise<void>
  /** Empties the tables between workloads, so each starts from the same state. */
  reset: () => Promise<void>
  stop: () => Promise<void>
}

export interface SubjectOptions {
  /** Unset = embedded PGlite (no POSTGRES_HOST). */
  endpoint?: PgEndpoint
  env?: Record<string, string>
  nodeArgs?: string[]
  /** Replaces the production node flags (scripts/bench/server.ts). */
  runtimeArgs?: readonly string[]
  connections: number
  /** Serve this database (another subject's) instead of creating one; it is left in place at stop. */
  shareDatabase?: ThrowawayDatabase
}

export async function startSubject (options: SubjectOptions): Promise<Subject> {
  const hexKey = randomBytes(32).toString('hex')
  const keys = benchKeyring(hexKey)
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-bench-'))
  const db = options.shareDatabase ?? (options.endpoint === undefined ? undefined : await createThrowawayDatabase(options.endpoint))
  const ownsDatabase = options.shareDatabase === undefined
  const env: Record<string, string> = {
    ENCRYPTION_KEY: hexKey,
    DATA_DIR: dataDir,
    ...(db === undefined
      ? {}
      : { POSTGRES_HOST: db.endpoint.host, POSTGRES_PORT: String(db.endpoint.port), POSTGRES_USER: db.endpoint.user, POSTGRES_DB: db.name }),
    ...options.env
  }
  let server: RunningServer
  try {
    server = await startServer({ env, ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }), ...(options.runtimeArgs === undefined ? {} : { runtimeArgs: options.runtimeArgs }) })
  } catch (err) {
    if (ownsDatabase) await db?.drop()
    rmSync(dataDir, { recursive: true, force: true })
    throw err
  }
  const target: Target = { serverPid: server.pid, exitReport: server.exitReport, ...(db === undefined ? {} : { backendPids: async () => await backendPids(db) }) }
  return {
    mode: db === undefined ? 'embedded' : 'postgres',
    server,
    ...(db === undefined ? {} : { db }),
    target,
    peakRss: new PeakRss(server.pid),
    seed: async (count, keysFile) => {
      if (db !== undefined) return await seedRevealable(db.sql, keys, count, keysFile)
      // PGlite's port is private to the server process: seed through the API, unmeasured.
      const result = await runLoad({ url: server.url, workload: 'create', connections: options.connections, warmup: {}, measure: { amount: count }, collectKeysFile: keysFile })
      if (result.ok !== count) throw new Error(`seeding through the API created ${result.ok} of ${count} secrets`)
    },
    reset: async () => {
      if (db === undefined) return
      await db.sql`truncate secret, audit_log cascade`
      await db.sql`vacuum analyze secret`
    },
    stop: async () => {
      await server.stop()
      if (ownsDatabase) await db?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
