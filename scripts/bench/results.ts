// The shape of results.json: every figure the report and the chart are made from.
import type { PostgresSettings } from './database.ts'
import type { HeapCapResult } from './heap-cap.ts'
import type { HeapGrowingResult } from './heap-growing.ts'
import type { YoungGenerationResult } from './young-generation.ts'
import type { LoadResult } from './load-child.ts'
import type { RoundResult, WorkloadSummary } from './load.ts'
import type { MachineDescription } from './proc.ts'
import type { Spread } from './stats.ts'

export interface FixedRateResult {
  workload: string
  rate: number
  rounds: RoundResult[]
  p50Ms: number
  p99Ms: number
  /** The rounds' lowest and highest p99 (absent in results from before it was recorded). */
  p99RangeMs?: { min: number, max: number }
  failures: number
}

export interface PgbenchResult {
  version: string
  clients: number
  create: { tps: number[], latencyMs: number[] }
  reveal: { tps: number[], latencyMs: number[] }
}

export interface HotSpot { selfMs: number, share: number, name: string, where: string }

export interface ProfileResult {
  workload: string
  file: string
  totalMs: number
  byFunction: HotSpot[]
  byPackage: HotSpot[]
}

export interface AllocationSpot { name: string, where: string, share: number }

export interface AllocationResult {
  workload: string
  rate: number
  /** Requests in each sampled window. */
  requests: number[]
  /** JavaScript heap allocated per request (V8's sampling estimate), over the windows. */
  bytesPerRequest: Spread
  /** Set when only what survived scavenges was counted (BENCH_HEAP_SURVIVORS=1). */
  survivorsOnly?: boolean
  byPackage: AllocationSpot[]
  byFunction: AllocationSpot[]
  /** By the innermost Burnlink frame on the stack. */
  byProjectFrame: AllocationSpot[]
}

export interface ScaleLevel {
  stored: number
  bytesPerSecret: number
  tableBytes: number
  indexBytes: number
  reveal: WorkloadSummary
  create: WorkloadSummary
  revealAtRate: FixedRateResult
}

export interface PurgeResult {
  rows: number
  seconds: number
  rowsPerSecond: number
  batchSize: number
  /** PURGE_ROWS_PER_SECOND the purge ran with (runs before it existed: absent, back to back). */
  paceRowsPerSecond?: number
  readsBefore: LoadResult
  readsDuring: LoadResult
}

export interface ScaleResult { levels: ScaleLevel[], purge?: PurgeResult, auditBytesPerEvent?: number }

export interface ChurnSample { t: number, tableBytes: number, totalBytes: number, liveRows: number, deadRows: number, autovacuums: number }

export interface ChurnResult {
  minutes: number
  postgres: PostgresSettings
  load: RoundResult
  samples: ChurnSample[]
  maxTotalBytesFirstHalf: number
  maxTotalBytesSecondHalf: number
  finalTotalBytes: number
  statements: { total: number, pgboss: number, share: number, pgbossPerMinute: number, top: Array<{ calls: number, query: string }> }
}

export interface PassphraseInterference {
  hashesPerSecond: number
  /** The first round's windows (runs before rounds were recorded had only these). */
  passphraseLoad: LoadResult
  revealAlone: LoadResult
  revealWithPassphraseLoad: LoadResult
  /** Reveal p99 alone and beside, over the alternating rounds. */
  aloneP99Ms?: Spread
  besideP99Ms?: Spread
  /** besideP99Ms.median / aloneP99Ms.median (single-pair runs: the pair's ratio). */
  p99Ratio: number
}

export interface BenchResults {
  startedAt: string
  command: string
  code: { commit: string, modified: string[] }
  quick: boolean
  machine: MachineDescription
  postgres: PostgresSettings
  settings: Record<string, number>
  /** Node flags of the server under test (SERVER_NODE_ARGS); absent in runs before it was recorded, which used --max-semi-space-size=4. */
  serverNodeArgs?: string[]
  baselines: {
    bareFastify?: WorkloadSummary
    /** The database ceiling: one statement per operation. */
    sqlCreate?: WorkloadSummary
    sqlReveal?: WorkloadSummary
    /** Burnlink's statements as it runs them: one per event-loop turn (ADR 12). */
    sqlCreateBatched?: WorkloadSummary
    sqlRevealBatched?: WorkloadSummary
    pgbench?: PgbenchResult
  }
  workloads: Record<string, WorkloadSummary>
  fixedRate?: FixedRateResult[]
  /** The fixed-rate client against the bare route: the floor at each rate. */
  fixedRateBare?: FixedRateResult[]
  /** create and reveal from one connection, one request at a time: the machine's latency floor. */
  serial?: Record<string, WorkloadSummary>
  passphraseInterference?: PassphraseInterference
  /** create and reveal with POSTGRES_HOST set to PostgreSQL's Unix socket directory. */
  unixSocket?: Record<string, WorkloadSummary>
  /** The ceiling and create/reveal with a smaller POSTGRES_POOL_SIZE. */
  smallPool?: { poolSize: number, ceilingCreate?: WorkloadSummary, ceilingReveal?: WorkloadSummary, workloads: Record<string, WorkloadSummary> }
  /** create and reveal on two server processes sharing the database (one per core). */
  twoProcesses?: Record<string, WorkloadSummary>
  /** The one-process rounds that took turns with twoProcesses' (from run 9 on). */
  oneProcessBesideTwo?: Record<string, WorkloadSummary>
  /** The postgres.js ceiling over the same Unix socket. */
  unixSocketCeiling?: { create: WorkloadSummary, reveal: WorkloadSummary }
  serverPeakRssMiB?: number | undefined
  heapCap?: HeapCapResult
  youngGeneration?: YoungGenerationResult[]
  heapGrowing?: HeapGrowingResult[]
  profile?: ProfileResult
  allocation?: AllocationResult[]
  scale?: ScaleResult
  embedded: Record<string, WorkloadSummary>
  embeddedPeakRssMiB?: number | undefined
  churn?: ChurnResult
  durationSeconds?: number
}
