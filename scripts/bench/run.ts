// `npm run bench`: runs every phase of the benchmark suite and writes results.json, report.md and
// chart.svg to bench-results/<time>/ (see docs/benchmarks.md). Never part of `npm test`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { measureAllocation } from './allocation.ts'
import { measureBareFastify, measureDatabaseCeiling } from './baselines.ts'
import { connect, createThrowawayDatabase, postgresSettings, SHARED_POSTGRES } from './database.ts'
import { parseOptions, type BenchOptions, type PhaseName } from './options.ts'
import { describeMachine, tryRun } from './proc.ts'
import { measurePgbench } from './pgbench.ts'
import { publish, writeReport } from './report.ts'
import type { BenchResults } from './results.ts'
import { measureScale } from './scale.ts'
import { measureChurn } from './churn.ts'
import { measureBareAtRate, measureFixedRate, measurePassphraseInterference } from './fixed-rate.ts'
import { measureHeapCap } from './heap-cap.ts'
import { HEAP_GROWING_SETTINGS, measureHeapGrowing } from './heap-growing.ts'
import { measureProfile } from './profile.ts'
import { SERVER_NODE_ARGS } from './server.ts'
import { startSubject } from './subject.ts'
import { measureTwoProcesses } from './two-processes.ts'
import { measureVariant } from './variant.ts'
import { measureYoungGeneration } from './young-generation.ts'
import { runWorkload, SATURATION_WORKLOADS, type Timing } from './workloads.ts'
import { defaultHashConcurrency } from '../../functions/_lib/platform/config.ts'
import { migrate } from '../../functions/_lib/platform/migrate.ts'
import { ARGON2ID_COST } from '../../functions/_lib/secrets/passphrase.ts'

const POOL_SIZE = 10 // POSTGRES_POOL_SIZE's default: the server is measured as shipped.
const SMALL_POOL_SIZE = 4 // the small-pool phase: two connections per core of this machine

/** The commit measured, and whether the server's code differed from it (a work tree in progress). */
function describeCode (): { commit: string, modified: string[] } {
  const commit = tryRun('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown'
  const status = tryRun('git', ['status', '--porcelain', '--', 'functions', 'db', 'package.json']) ?? ''
  return { commit, modified: status.split('\n').map((l) => l.trim().replace(/^\S+\s+/, '')).filter((l) => l !== '') }
}

async function unixSocketDirectory (): Promise<string | undefined> {
  const sql = connect(SHARED_POSTGRES, 'postgres')
  try {
    const [row] = await sql<{ dirs: string }[]>`select current_setting('unix_socket_directories') as dirs`
    const dir = row?.dirs.split(',').map((d) => d.trim()).find((d) => d.startsWith('/'))
    return dir !== undefined && existsSync(`${dir}/.s.PGSQL.${SHARED_POSTGRES.port}`) ? dir : undefined
  } finally {
    await sql.end()
  }
}

function log (line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`)
}

async function main (options: BenchOptions): Promise<void> {
  const started = Date.now()
  mkdirSync(options.outDir, { recursive: true })
  const on = (phase: PhaseName): boolean => options.only.has(phase)
  const timing: Timing = { rounds: options.rounds, warmupSeconds: options.warmupSeconds, measureSeconds: options.measureSeconds, connections: options.connections }
  const admin = connect(SHARED_POSTGRES, 'postgres')
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    code: describeCode(),
    quick: options.quick,
    machine: describeMachine(),
    postgres: await postgresSettings(admin),
    // The server runs with the default hash concurrency: Argon2id's memory in flight is this many runs.
    settings: { ...timing, fixedRate: options.fixedRate, poolSize: POOL_SIZE, churnMinutes: options.churnMinutes, passphraseHashConcurrency: defaultHashConcurrency(), argon2idMemoryKiB: ARGON2ID_COST.memoryCost },
    serverNodeArgs: [...SERVER_NODE_ARGS],
    baselines: {},
    workloads: {},
    embedded: {}
  }
  await admin.end()
  log(`machine: ${results.machine.cpus} × ${results.machine.cpuModel}, load ${results.machine.loadAverageAtStart.join(' ')}; PostgreSQL ${results.postgres.version}, synchronous_commit=${results.postgres.synchronous_commit}`)

  const save = (): void => { writeFileSync(join(options.outDir, 'results.json'), JSON.stringify(results, null, 2) + '\n') }
  // One client IP sends all the load: per-IP rate limits (if the server has them) would turn the
  // benchmark into a measurement of 429s, so they are off (0 = unlimited).
  const serverEnv = {
    POSTGRES_POOL_SIZE: String(POOL_SIZE),
    RATE_LIMIT_CREATE_PER_MINUTE: '0',
    RATE_LIMIT_READ_PER_MINUTE: '0',
    RATE_LIMIT_DELETE_PER_MINUTE: '0'
  }

  if (on('bare')) {
    log('baseline: bare Fastify route')
    results.baselines.bareFastify = await measureBareFastify(timing, log)
    save()
  }

  // Estimates size the key-consuming workloads (each key read once) to about one window.
  let expectedRate = 3000
  if (on('ceiling') || on('pgbench')) {
    const db = await createThrowawayDatabase(SHARED_POSTGRES)
    try {
      await migrate(db.sql, { info: () => {} })
      if (on('ceiling')) {
        log('baseline: the same SQL through postgres.js, no HTTP')
        results.baselines.sqlCreate = await measureDatabaseCeiling(db, 'create', { ...timing, poolSize: POOL_SIZE }, expectedRate, log)
        results.baselines.sqlReveal = await measureDatabaseCeiling(db, 'reveal', { ...timing, poolSize: POOL_SIZE }, results.baselines.sqlCreate.okPerSecond.max * 1.2, log)
        save()
        log('baseline: Burnlink\'s statements as it runs them, one per event-loop turn (ADR 12), no HTTP')
        const batched = { ...timing, poolSize: POOL_SIZE, batching: 'batched' } as const
        results.baselines.sqlCreateBatched = await measureDatabaseCeiling(db, 'create', batched, expectedRate, log)
        // Batched reveals ran at about twice the batched creates' rate (ADR 12): seed for that.
        results.baselines.sqlRevealBatched = await measureDatabaseCeiling(db, 'reveal', batched, results.baselines.sqlCreateBatched.okPerSecond.max * 2.2, log)
        save()
      }
      if (on('pgbench')) {
        log('baseline: pgbench, the same statements')
        const pgbench = await measurePgbench(db, timing, log)
        if (pgbench !== undefined) results.baselines.pgbench = pgbench
        save()
      }
    } finally {
      await db.drop()
    }
  }

  const saturation = SATURATION_WORKLOADS.filter(on)
  const needsSubject = saturation.length > 0 || on('fixed-rate') || on('passphrase-interference')
  if (needsSubject) {
    log('burnlink on PostgreSQL')
    const subject = await startSubject({ endpoint: SHARED_POSTGRES, env: serverEnv, connections: options.connections })
    try {
      for (const workload of saturation) {
        results.workloads[workload] = await runWorkload(subject, workload, timing, options.outDir, expectedRate, log)
        if (workload === 'create') expectedRate = results.workloads[workload].okPerSecond.median
        save()
      }
      if (on('fixed-rate')) {
        log('latency floor: one connection, one request at a time')
        results.serial = {}
        for (const workload of ['create', 'reveal'] as const) {
          results.serial[workload] = await runWorkload(subject, workload, { ...timing, connections: 1, rounds: Math.min(timing.rounds, 2) }, options.outDir, 500, log)
          save()
        }
        log(`latency at fixed rates: ${options.latencyRates.join(', ')} req/s, sent on an even schedule`)
        results.fixedRate = await measureFixedRate(subject, options, log)
        save()
        log('the same rates against the bare route: the floor')
        results.fixedRateBare = await measureBareAtRate(options, log)
        save()
      }
      if (on('passphrase-interference')) {
        log('passphrase creates at saturation, reveals at a fixed rate alongside')
        results.passphraseInterference = await measurePassphraseInterference(subject, options, log)
        save()
      }
    } finally {
      results.serverPeakRssMiB = subject.peakRss.overall()
      await subject.stop()
    }
  }

  if (on('unix-socket')) {
    // The profile's largest item is the socket write of each query; a Unix socket is cheaper than
    // TCP over loopback. POSTGRES_HOST=<socket directory> is all a deployment needs to change.
    const socketDir = await unixSocketDirectory()
    if (socketDir === undefined) {
      log('PostgreSQL has no Unix socket directory: unix-socket skipped')
    } else {
      // The ratio over the socket is taken against the same statements over the same socket.
      log(`over the Unix socket in ${socketDir}: the postgres.js ceiling, then Burnlink`)
      const variant = await measureVariant({ endpoint: { ...SHARED_POSTGRES, host: socketDir }, poolSize: POOL_SIZE, serverEnv, timing, outDir: options.outDir, expectedRate }, log)
      results.unixSocketCeiling = variant.ceiling
      results.unixSocket = variant.workloads
      save()
    }
  }

  if (on('small-pool')) {
    // postgres.js pipelines queries on each connection, so a small pool still has many requests
    // in flight; fewer backends mean fewer wake-ups and more queries per socket write.
    log(`POSTGRES_POOL_SIZE=${SMALL_POOL_SIZE}: the postgres.js ceiling and Burnlink with that pool`)
    const variant = await measureVariant({ endpoint: SHARED_POSTGRES, poolSize: SMALL_POOL_SIZE, serverEnv, timing, outDir: options.outDir, expectedRate }, log)
    results.smallPool = { poolSize: SMALL_POOL_SIZE, ceilingCreate: variant.ceiling.create, ceilingReveal: variant.ceiling.reveal, workloads: variant.workloads }
    save()
  }

  if (on('two-processes')) {
    log('two server processes on one database (one per core), half the connections each, taking turns with one')
    const { two, one } = await measureTwoProcesses(timing, serverEnv, options.outDir, expectedRate, log)
    results.twoProcesses = two
    results.oneProcessBesideTwo = one
    save()
  }

  if (on('young-generation')) {
    log('V8 young generation: default vs --max-semi-space-size=16, 8, 4')
    results.youngGeneration = await measureYoungGeneration(timing, serverEnv, options.outDir, expectedRate, log)
    save()
  }

  if (on('heap-growing')) {
    log(`V8 old generation's growing factor: HEAP_GROWING_PERCENT=${HEAP_GROWING_SETTINGS.join(', ')} (0 = V8's own)`)
    results.heapGrowing = await measureHeapGrowing(timing, serverEnv, options.outDir, expectedRate, log)
    save()
  }

  if (on('heap-cap')) {
    log('burnlink with the V8 old generation capped at 64 MiB')
    results.heapCap = await measureHeapCap(64, timing, serverEnv, options.outDir, expectedRate, log)
    save()
  }

  if (on('profile')) {
    log('CPU profile of the server under the mixed workload')
    results.profile = await measureProfile(options, serverEnv, log)
    save()
  }

  if (on('allocation')) {
    log(`JavaScript heap allocated per request at ${options.fixedRate}/s (V8's sampling heap profiler)`)
    results.allocation = await measureAllocation(options, serverEnv, log)
    save()
  }

  if (on('scale') || on('purge')) {
    log('scale: stored secrets, bytes per secret, purge under reads')
    results.scale = await measureScale(options, serverEnv, log)
    save()
  }

  if (on('embedded')) {
    log('embedded PGlite (no POSTGRES_HOST)')
    const subject = await startSubject({ env: serverEnv, connections: options.connections })
    try {
      const embeddedTiming = { ...timing, rounds: Math.min(timing.rounds, 2) }
      let rate = 1000
      for (const workload of ['create', 'reveal', 'pairs', 'delete', 'mixed'] as const) {
        results.embedded[workload] = await runWorkload(subject, workload, embeddedTiming, options.outDir, rate, log)
        if (workload === 'create') rate = results.embedded[workload].okPerSecond.median
        save()
      }
      results.embeddedPeakRssMiB = subject.peakRss.overall()
    } finally {
      await subject.stop()
    }
  }

  if (on('churn')) {
    log(`churn: create→reveal pairs for ${options.churnMinutes} min on a private PostgreSQL with pg_stat_statements`)
    const churn = await measureChurn(options, serverEnv, log)
    if (churn !== undefined) results.churn = churn
    save()
  }

  results.durationSeconds = Math.round((Date.now() - started) / 1000)
  save()
  writeReport(results, options.outDir)
  if (options.publish) publish(options.outDir)
  log(`done in ${results.durationSeconds} s: ${options.outDir}/results.json, report.md, chart.svg`)
}

let options: BenchOptions
try {
  options = parseOptions(process.argv.slice(2))
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(2)
}
if (options.reportOnly !== undefined) {
  writeReport(JSON.parse(readFileSync(join(options.reportOnly, 'results.json'), 'utf8')) as BenchResults, options.reportOnly)
  if (options.publish) publish(options.reportOnly)
} else {
  await main(options)
}
