// `npm run bench`: the workloads that matter to a user, each against the ceilings of the same
// run, into bench-results/<time>/ (results.json, report.md, chart.svg). Never part of `npm test`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measureBare, measureDatabaseCeiling } from './ceilings.ts'
import { connect, createThrowawayDatabase, postgresSettings, SHARED_POSTGRES } from './database.ts'
import { measureEmbedded } from './embedded.ts'
import { measureFiles } from './files.ts'
import { measureRates, rateTarget } from './fixed-rate.ts'
import { parseOptions, type BenchOptions } from './options.ts'
import { describeMachine, tryRun } from './proc.ts'
import { measurePurge } from './purge.ts'
import { publish, writeReport } from './report.ts'
import type { BenchResults } from './results.ts'
import { measureLevel } from './scale.ts'
import { SERVER_NODE_ARGS, startServer } from './server.ts'
import { startSubject, type Subject } from './subject.ts'
import { runPassphrase, runWorkload } from './workloads.ts'
import { loadConfig } from '../../functions/_lib/platform/config.ts'
import { migrate } from '../../functions/_lib/platform/migrate.ts'

const log = (line: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`) }

/** Runs `body` on a server with its own throwaway database, stopped whatever happens. */
async function withSubject (env: Record<string, string>, body: (subject: Subject) => Promise<void>): Promise<void> {
  const subject = await startSubject(SHARED_POSTGRES, env)
  await body(subject).finally(subject.stop)
}

async function main (o: BenchOptions): Promise<void> {
  const started = Date.now()
  mkdirSync(o.outDir, { recursive: true })
  // Keys of the secrets a run makes to reveal: files of their own, gone when the run ends.
  const keys = mkdtempSync(join(tmpdir(), 'burnlink-bench-keys-'))
  process.on('exit', () => { rmSync(keys, { recursive: true, force: true }) })
  const on = (...phases: string[]): boolean => phases.some((p) => (o.only as ReadonlySet<string>).has(p))
  const timing = { rounds: o.rounds, warmupSeconds: o.warmupSeconds, measureSeconds: o.measureSeconds, connections: o.connections }
  const poolSize = loadConfig({}).database.poolSize // the server's as shipped, and the ceiling's
  const admin = connect(SHARED_POSTGRES, 'postgres')
  const status = tryRun('git', ['status', '--porcelain', '--', 'functions', 'db', 'package.json']) ?? ''
  const r: BenchResults = {
    startedAt: new Date(started).toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, ''),
    code: { commit: tryRun('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown', modified: status.split('\n').map((l) => l.trim().replace(/^\S+\s+/, '')).filter((l) => l !== '') },
    quick: o.quick,
    machine: describeMachine(),
    postgres: await postgresSettings(admin).finally(() => admin.end()),
    settings: { ...timing, poolSize, serverNodeArgs: [...SERVER_NODE_ARGS] },
    ceilings: {},
    workloads: {}
  }
  const save = (): void => { writeFileSync(join(o.outDir, 'results.json'), JSON.stringify(r, null, 2) + '\n') }
  log(`${r.machine.cpus} × ${r.machine.cpuModel}, load ${r.machine.loadAverageAtStart.join(' ')}; PostgreSQL ${r.postgres.version} at ${SHARED_POSTGRES.host}:${SHARED_POSTGRES.port}`)

  if (on('bare', 'fixed-rate')) {
    log('ceiling: a bare Fastify route, at saturation and at the fixed rates')
    const bare = await startServer({ env: {}, bare: true })
    try {
      if (on('bare')) r.ceilings.bare = await measureBare(bare, timing, log)
      if (on('fixed-rate')) r.fixedRateBare = await measureRates({ label: 'bare route', url: bare.url, target: { serverPid: bare.pid } }, o.rates, timing, keys, log)
    } finally {
      await bare.stop()
    }
    save()
  }
  // Workloads that use up keys run a fixed number of requests, sized from the rate expected.
  let expected = 3000
  if (on('ceiling')) {
    log('ceiling: the store\'s statements through postgres.js, no HTTP')
    const db = await createThrowawayDatabase(SHARED_POSTGRES)
    try {
      await migrate(db.sql, { info: () => {} })
      r.ceilings.create = await measureDatabaseCeiling(db, 'create', timing, poolSize, expected, log)
      r.ceilings.reveal = await measureDatabaseCeiling(db, 'reveal', timing, poolSize, r.ceilings.create.okPerSecond.max * 1.3, log)
    } finally {
      await db.drop()
    }
    save()
  }
  if (on('create', 'reveal', 'mixed', 'passphrase', 'fixed-rate')) {
    log('Burnlink on PostgreSQL')
    await withSubject({}, async (subject) => {
      for (const workload of (['create', 'reveal', 'mixed'] as const).filter((w) => on(w))) {
        r.workloads[workload] = await runWorkload(subject, workload, timing, keys, workload === 'create' ? expected : expected * 1.3, log)
        if (workload === 'create') expected = r.workloads.create?.okPerSecond.median ?? expected
        save()
      }
      if (on('passphrase')) {
        const { create, reveal } = await runPassphrase(subject, timing, keys, log)
        r.workloads['create-passphrase'] = create
        r.workloads['reveal-passphrase'] = reveal
        save()
      }
      if (on('fixed-rate')) {
        log(`latency at ${o.rates.join(' and ')} req/s, on an even schedule`)
        r.fixedRate = await measureRates(rateTarget(subject), o.rates, timing, keys, log)
        save()
      }
    })
  }
  if (on('scale', 'purge')) {
    // Reads at the highest fixed rate (half of it beside the purge); the scheduled purge stays off.
    const rate = Math.max(...o.rates)
    await withSubject({ RUN_WORKER: 'false' }, async (subject) => {
      if (on('scale')) {
        log(`stored secrets: ${o.scaleLevels.join(', ')}`)
        r.scale = []
        for (const level of o.scaleLevels) {
          r.scale.push(await measureLevel(subject, level, rate, timing, keys, log))
          save()
        }
      }
      if (on('purge')) {
        log(`purge of ${o.purgeRows} expired secrets under reads`)
        r.purge = await measurePurge(subject, o.purgeRows, rate / 2, timing, keys, log)
        save()
      }
    })
  }
  if (on('files')) {
    log(`files: ${o.files.count} × ${o.files.bytes / 1024 / 1024} MiB uploaded at once, then each downloaded once`)
    await withSubject({}, async (subject) => { r.files = await measureFiles(subject, o.files.count, o.files.bytes, log) })
    save()
  }
  if (on('embedded')) {
    log('the embedded default: npm start with no POSTGRES_HOST on an empty DATA_DIR')
    r.embedded = await measureEmbedded(timing, o.quick, keys, log)
  }
  r.durationSeconds = Math.round((Date.now() - started) / 1000)
  save()
  writeReport(r, o.outDir)
  process.stdout.write(`\n${readFileSync(join(o.outDir, 'report.md'), 'utf8')}\n`)
  if (o.publish) publish(r, o.outDir)
  log(`done in ${r.durationSeconds} s: ${o.outDir}/results.json, report.md, chart.svg${o.publish ? '; published into docs/' : ''}`)
}

let options: BenchOptions
try {
  options = parseOptions(process.argv.slice(2))
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(2)
}
if (options.reportOnly === undefined) {
  await main(options)
} else {
  const results = JSON.parse(readFileSync(join(options.reportOnly, 'results.json'), 'utf8')) as BenchResults
  writeReport(results, options.reportOnly)
  if (options.publish) publish(results, options.reportOnly)
}
