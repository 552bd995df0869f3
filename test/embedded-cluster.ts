// The test run's one embedded PostgreSQL (no POSTGRES_HOST), started by the server's own code.
// `npm test` loads this module with --test-global-setup: the cluster starts before the first test
// file and stops after the last, and the variable set here reaches every test file's process.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbedded, type EmbeddedCluster } from '../functions/_lib/platform/embedded.ts'

export const CLUSTER_VARIABLE = 'BURNLINK_TEST_CLUSTER'

/** How tests reach the cluster, as its superuser. */
export interface TestCluster {
  host: string
  port: number
  user: string
  password: string
}

let running: { cluster: EmbeddedCluster, dir: string } | undefined

const log = {
  info: () => {},
  warn: (fields: object, message: string) => { process.stderr.write(`embedded PostgreSQL: ${message} ${JSON.stringify(fields)}\n`) }
}

export async function globalSetup (): Promise<void> {
  if ((process.env.POSTGRES_HOST ?? '') !== '' || running !== undefined) return
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-test-cluster-'))
  // Test files run side by side, each with pools, pg-boss and processes of its own.
  const cluster = await startEmbedded(dir, { maxConnections: 200, log })
  running = { cluster, dir }
  const shared: TestCluster = { host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password }
  process.env[CLUSTER_VARIABLE] = JSON.stringify(shared)
}

export async function globalTeardown (): Promise<void> {
  if (running === undefined) return
  const { cluster, dir } = running
  running = undefined
  delete process.env[CLUSTER_VARIABLE]
  await cluster.stop()
  rmSync(dir, { recursive: true, force: true })
}
