// The server under test on a throwaway database: started, given secrets to reveal, emptied
// between workloads, stopped.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keyring, masterKey } from '../../functions/_lib/secrets/crypto.ts'
import { backendPids, createThrowawayDatabase, type PgEndpoint, type ThrowawayDatabase } from './database.ts'
import { runLoad, type Target } from './load.ts'
import { seedRevealable } from './seed.ts'
import { startServer } from './server.ts'

export interface Subject {
  mode: 'postgres' | 'embedded'
  url: string
  pid: number
  target: Target
  db?: ThrowawayDatabase
  /** Makes `count` secrets revealable and writes their keys to `keysFile`. */
  seed: (count: number, keysFile: string) => Promise<void>
  /** Empties the tables, so that each workload starts from the same state. */
  reset: () => Promise<void>
  stop: () => Promise<void>
}

/**
 * All the load comes from one client IP: per-IP rate limits, and the per-client storage quota,
 * would make the bench count 429s. Both are off.
 */
export const UNLIMITED = { RATE_LIMIT_CREATE_PER_MINUTE: '0', RATE_LIMIT_READ_PER_MINUTE: '0', RATE_LIMIT_DELETE_PER_MINUTE: '0', STORAGE_QUOTA_BYTES_PER_CLIENT: '0' }

/** Burnlink, otherwise as shipped, on a throwaway database of `endpoint`. */
export async function startSubject (endpoint: PgEndpoint, env: Record<string, string> = {}): Promise<Subject> {
  const hexKey = randomBytes(32).toString('hex')
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-bench-'))
  const db = await createThrowawayDatabase(endpoint)
  const cleanUp = async (): Promise<void> => {
    await db.drop()
    rmSync(dataDir, { recursive: true, force: true })
  }
  const server = await startServer({
    env: { ENCRYPTION_KEY: hexKey, DATA_DIR: dataDir, POSTGRES_HOST: endpoint.host, POSTGRES_PORT: String(endpoint.port), POSTGRES_USER: endpoint.user, POSTGRES_DB: db.name, ...UNLIMITED, ...env }
  }).catch(async (err: unknown) => { await cleanUp(); throw err })
  const keys = keyring(masterKey(Buffer.from(hexKey, 'hex')))
  return {
    mode: 'postgres',
    url: server.url,
    pid: server.pid,
    target: { serverPid: server.pid, exitReport: server.exitReport, backendPids: async () => await backendPids(db) },
    db,
    seed: async (count, keysFile) => { await seedRevealable(db.sql, keys, count, keysFile) },
    reset: async () => {
      await db.sql`truncate secret, receipt, audit_log cascade`
      await db.sql`vacuum analyze secret`
    },
    stop: async () => {
      await server.stop()
      await cleanUp()
    }
  }
}

/** Seeds through the API (unmeasured creates), where the bench does not reach the database. */
export async function seedThroughApi (url: string, connections: number, count: number, keysFile: string): Promise<void> {
  const result = await runLoad({ url, workload: 'create', connections, warmup: {}, measure: { amount: count }, collectKeysFile: keysFile })
  if (result.ok !== count) throw new Error(`seeding through the API created ${result.ok} of ${count} secrets (statuses ${JSON.stringify(result.statuses)})`)
}
