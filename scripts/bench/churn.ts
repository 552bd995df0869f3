// Churn: create→reveal pairs at saturation for N minutes on a private PostgreSQL with
// pg_stat_statements, sampling the secrets table's size (it must stay bounded) and counting which
// statements pg-boss issued (its share must stay ≤ 1 %).
import { connect, postgresSettings, SHARED_POSTGRES, startPrivateInstance } from './database.ts'
import { startLoad } from './load.ts'
import type { BenchOptions } from './options.ts'
import type { ChurnResult, ChurnSample } from './results.ts'
import { freePort } from './server.ts'
import { startSubject } from './subject.ts'

const SAMPLE_SECONDS = 5

export async function measureChurn (options: BenchOptions, env: Record<string, string>, log: (line: string) => void): Promise<ChurnResult | undefined> {
  // The private instance copies the shared server's durability and memory settings.
  const shared = connect(SHARED_POSTGRES, 'postgres')
  const reference = await postgresSettings(shared)
  await shared.end()
  const instance = startPrivateInstance(await freePort(), {
    synchronous_commit: reference.synchronous_commit,
    shared_buffers: `'${reference.shared_buffers}'`,
    fsync: reference.fsync
  })
  if (instance === undefined) {
    log('  pg_config/initdb not found: churn skipped')
    return undefined
  }
  try {
    const subject = await startSubject({ endpoint: instance.endpoint, env, connections: options.connections })
    const db = subject.db
    if (db === undefined) throw new Error('churn needs PostgreSQL')
    try {
      await db.sql`create extension if not exists pg_stat_statements`
      const postgres = await postgresSettings(db.sql)
      await db.sql`select pg_stat_statements_reset()`
      const seconds = options.churnMinutes * 60
      const load = startLoad({ url: subject.server.url, workload: 'pairs', connections: options.connections, warmup: {}, measure: { seconds } }, subject.target)
      const samples: ChurnSample[] = []
      const started = performance.now()
      const state = { done: false }
      void load.result.finally(() => { state.done = true })
      while (!state.done) {
        const [row] = await db.sql<Array<Omit<ChurnSample, 't'>>>`
          select pg_relation_size('secret')::float8 as "tableBytes", pg_total_relation_size('secret')::float8 as "totalBytes",
                 n_live_tup::float8 as "liveRows", n_dead_tup::float8 as "deadRows", autovacuum_count::float8 as autovacuums
          from pg_stat_user_tables
          where relname = 'secret'`
        if (row !== undefined) samples.push({ t: Math.round((performance.now() - started) / 1000), ...row })
        const last = samples[samples.length - 1]
        if (last !== undefined && samples.length % 6 === 0) log(`  t=${last.t}s secret ${(last.totalBytes / 2 ** 20).toFixed(1)} MiB, ${last.liveRows} live / ${last.deadRows} dead rows, ${last.autovacuums} autovacuums`)
        await Promise.race([load.result, new Promise((resolve) => setTimeout(resolve, SAMPLE_SECONDS * 1000))])
      }
      const result = await load.result
      const statements = await db.sql<{ calls: number, query: string }[]>`
        select calls::float8 as calls, query
        from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database())
        order by calls desc`
      const monitoring = (q: string): boolean => /pg_stat_statements|pg_total_relation_size|pg_stat_user_tables|pg_stat_activity/.test(q)
      const counted = statements.filter((s) => !monitoring(s.query))
      const pgboss = counted.filter((s) => /pgboss/i.test(s.query)).reduce((sum, s) => sum + s.calls, 0)
      const total = counted.reduce((sum, s) => sum + s.calls, 0)
      const half = seconds / 2
      const maxOf = (list: ChurnSample[]): number => list.reduce((max, s) => Math.max(max, s.totalBytes), 0)
      const churn: ChurnResult = {
        minutes: options.churnMinutes,
        postgres,
        load: result,
        samples,
        maxTotalBytesFirstHalf: maxOf(samples.filter((s) => s.t <= half)),
        maxTotalBytesSecondHalf: maxOf(samples.filter((s) => s.t > half)),
        finalTotalBytes: samples[samples.length - 1]?.totalBytes ?? 0,
        statements: {
          total,
          pgboss,
          share: total === 0 ? 0 : pgboss / total,
          pgbossPerMinute: Math.round(pgboss / options.churnMinutes * 10) / 10,
          top: counted.slice(0, 12).map((s) => ({ calls: s.calls, query: s.query.replace(/\s+/g, ' ').slice(0, 160) }))
        }
      }
      log(`  ${result.okPerSecond.toFixed(0)} req/s for ${options.churnMinutes} min; secret max ${(churn.maxTotalBytesFirstHalf / 2 ** 20).toFixed(1)} MiB (first half) vs ${(churn.maxTotalBytesSecondHalf / 2 ** 20).toFixed(1)} MiB (second half); pg-boss ${pgboss} of ${total} statements (${(churn.statements.share * 100).toFixed(3)} %), ${churn.statements.pgbossPerMinute}/min`)
      return churn
    } finally {
      await subject.stop()
    }
  } finally {
    instance.stop()
  }
}
