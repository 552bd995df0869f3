// The shape of results.json: every figure the report and the chart are made from.
import type { PostgresSettings } from './database.ts'
import type { EmbeddedResult } from './embedded.ts'
import type { FilesResult } from './files.ts'
import type { FixedRateResult } from './fixed-rate.ts'
import type { WorkloadSummary } from './load.ts'
import type { Timing } from './options.ts'
import type { MachineDescription } from './proc.ts'
import type { PurgeResult } from './purge.ts'
import type { ScaleLevel } from './scale.ts'

export interface BenchResults {
  startedAt: string
  command: string
  code: { commit: string, modified: string[] }
  quick: boolean
  machine: MachineDescription
  postgres: PostgresSettings
  /** poolSize: POSTGRES_POOL_SIZE of the server and the ceiling; serverNodeArgs: run.sh's node flags. */
  settings: Timing & { poolSize: number, serverNodeArgs: string[] }
  ceilings: {
    /** The HTTP floor: a bare Fastify route. */
    bare?: WorkloadSummary
    /** The database ceiling: the store's statements through postgres.js, one per operation. */
    create?: WorkloadSummary
    reveal?: WorkloadSummary
  }
  /** create, reveal, mixed, create-passphrase, reveal-passphrase: Burnlink on PostgreSQL. */
  workloads: Record<string, WorkloadSummary>
  fixedRate?: FixedRateResult[]
  /** The same rates against the bare route. */
  fixedRateBare?: FixedRateResult[]
  scale?: ScaleLevel[]
  purge?: PurgeResult
  /** Large files uploaded in parallel, then downloaded, with the server's peak RSS over both. */
  files?: FilesResult
  embedded?: EmbeddedResult
  durationSeconds?: number
}
