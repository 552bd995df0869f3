// GET /metrics: Prometheus text format, counted by route pattern (the URL holds the secret key).
import { createHash, timingSafeEqual } from 'node:crypto'
import createError from '@fastify/error'
import { Type } from '@sinclair/typebox'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { routeOf } from '../_lib/platform/log.ts'
import type { HashPool } from '../_lib/secrets/passphrase.ts'
import { ErrorReply } from '../_lib/platform/schemas.ts'
import type { PurgeResult } from '../purge-expired.ts'

export const MetricsTokenRequired = createError('METRICS_TOKEN_REQUIRED', 'GET /metrics needs the header Authorization: Bearer <METRICS_TOKEN>', 401)
export const MetricsTokenWrong = createError('METRICS_TOKEN_WRONG', 'The metrics token is wrong', 403)

/** What the rest of the host reports into the metrics (the scheduled purge). */
export interface Metrics {
  recordPurge: (result: PurgeResult) => void
}

declare module 'fastify' {
  interface FastifyInstance { metrics: Metrics }
}

export interface MetricsOptions {
  /** Scrapers must send it as a bearer token (METRICS_TOKEN); without it /metrics is not served. */
  token?: string | undefined
  poolSize: number
  /** The process's Argon2id pool, whose runs and queue are read at scrape time. */
  hashPool: HashPool
}

// A scrape reuses the database figures read this recently: they cost several queries outside the
// database gate, and Prometheus scrapes every 15 s or more, so fresher figures buy nothing.
const DATABASE_FIGURES_MAX_AGE_MS = 10_000

// Below this many rows (by the planner's estimate) an exact count(*) costs well under a
// millisecond or two; above, the estimate from the last (auto)vacuum/analyze is good enough.
const EXACT_COUNT_BELOW = 100_000

// The outcomes of the secret routes, recognised by pattern and status: the function modules
// stay free of metrics code, and only what actually happened is counted.
const SECRET_OUTCOMES: Record<string, 'created' | 'revealed' | 'deleted'> = {
  'POST /secret 201': 'created',
  'GET /secret/:secret_key 200': 'revealed',
  'DELETE /secret/:secret_key 200': 'deleted'
}

export const metricsPlugin = fp(async (app: FastifyInstance, options: MetricsOptions) => {
  // One registry per host, never prom-client's global one: tests run several hosts per process.
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const requests = new Counter({ name: 'burnlink_http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: ['method', 'route', 'status_code'], registers: [registry] })
  const duration = new Histogram({
    name: 'burnlink_http_request_duration_seconds',
    help: 'HTTP response time by route pattern, method and status',
    labelNames: ['method', 'route', 'status_code'],
    // Reads and deletes take milliseconds; a passphrase costs one Argon2id hash (tens of ms).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry]
  })
  const secrets = {
    created: new Counter({ name: 'burnlink_secrets_created_total', help: 'Secrets stored by this process', registers: [registry] }),
    revealed: new Counter({ name: 'burnlink_secrets_revealed_total', help: 'Secrets revealed (and destroyed) by this process', registers: [registry] }),
    deleted: new Counter({ name: 'burnlink_secrets_deleted_total', help: 'Secrets deleted unread through DELETE by this process', registers: [registry] })
  }
  const expired = new Counter({ name: 'burnlink_secrets_expired_total', help: 'Expired secrets removed by the purge job in this process', registers: [registry] })
  const lastPurge = new Gauge({ name: 'burnlink_purge_last_run_timestamp_seconds', help: 'When the purge job last finished in this process (Unix time)', registers: [registry] })

  const hashPool = options.hashPool
  let hashesCounted = 0
  // Read from the pool at scrape time: the hashing code stays free of metrics code.
  registry.registerMetric(new Counter({
    name: 'burnlink_passphrase_hashes_total',
    help: 'Argon2id runs finished by this process (one per passphrase set or checked)',
    registers: [],
    collect () {
      this.inc(hashPool.completed - hashesCounted)
      hashesCounted = hashPool.completed
    }
  }))
  registry.registerMetric(new Gauge({
    name: 'burnlink_passphrase_hashes_waiting',
    help: 'Argon2id runs waiting for a free slot (PASSPHRASE_HASH_CONCURRENCY) in this process now',
    registers: [],
    collect () { this.set(hashPool.waiting) }
  }))

  const sql = app.sql
  new Gauge({ name: 'burnlink_database_pool_max', help: 'Connections this process may open (POSTGRES_POOL_SIZE)', registers: [registry] }).set(options.poolSize)
  const stored = new Gauge({ name: 'burnlink_secrets_stored', help: `Secrets in the database now, all instances (exact below ${EXACT_COUNT_BELOW}, else the planner estimate); NaN if the database did not answer`, registers: [registry] })
  const connections = new Gauge({ name: 'burnlink_database_connections', help: 'Server-side connections of Burnlink processes to this database, by application_name and state', labelNames: ['application_name', 'state'], registers: [registry] })
  const jobs = new Gauge({ name: 'burnlink_jobs', help: 'pg-boss jobs by queue and state (pg-boss\'s own counts, refreshed every minute)', labelNames: ['queue', 'state'], registers: [registry] })
  const scrapeErrors = new Counter({ name: 'burnlink_metrics_database_errors_total', help: 'Scrapes whose database gauges could not be read', registers: [registry] })

  // The database gauges are read at scrape time, in one place, so that a failure marks them
  // unknown instead of failing the whole scrape.
  async function readDatabase (): Promise<void> {
    connections.reset()
    jobs.reset()
    try {
      const [state] = await sql<{ estimate: number, has_boss: boolean }[]>`
        select
          reltuples::float8 as estimate,
          to_regclass('pgboss.queue') is not null as has_boss
        from pg_class
        where oid = 'secret'::regclass`
      const estimate = state?.estimate ?? -1
      // reltuples is -1 before the first vacuum/analyze: count then too.
      if (estimate < EXACT_COUNT_BELOW) {
        const [exact] = await sql<{ count: number }[]>`select count(*)::float8 as count from secret`
        stored.set(exact?.count ?? Number.NaN)
      } else {
        stored.set(estimate)
      }
      const byState = await sql<{ application_name: string, state: string, count: number }[]>`
        select application_name, coalesce(state, 'unknown') as state, count(*)::int as count
        from pg_stat_activity
        where datname = current_database()
          and application_name like 'burnlink%'
        group by 1, 2`
      for (const row of byState) connections.set({ application_name: row.application_name, state: row.state }, row.count)
      if (state?.has_boss === true) {
        const queues = await sql<{ name: string, queued: number, active: number, deferred: number, failed: number }[]>`
          select name, queued_count as queued, active_count as active, deferred_count as deferred, failed_count as failed
          from pgboss.queue`
        for (const queue of queues) {
          for (const s of ['queued', 'active', 'deferred', 'failed'] as const) jobs.set({ queue: queue.name, state: s }, queue[s])
        }
      }
    } catch (err) {
      scrapeErrors.inc()
      stored.set(Number.NaN)
      app.log.warn({ err: { message: (err as Error).message } }, 'metrics: database gauges unavailable')
    }
  }

  // Concurrent scrapes share one read; the next read starts once this one is old enough.
  let lastRead: { at: number, done: Promise<void> } | undefined
  async function databaseFigures (): Promise<void> {
    const now = Date.now()
    if (lastRead === undefined || now - lastRead.at >= DATABASE_FIGURES_MAX_AGE_MS) lastRead = { at: now, done: readDatabase() }
    await lastRead.done
  }

  app.decorate('metrics', {
    recordPurge: (result: PurgeResult) => {
      expired.inc(result.purged)
      lastPurge.setToCurrentTime()
    }
  })

  // Each method, route pattern and status's labels are made once (a callback hook, not an async
  // one, for the same reason: this runs for every response).
  const series = new Map<string, { labels: Record<'method' | 'route' | 'status_code', string>, outcome: keyof typeof secrets | undefined }>()
  app.addHook('onResponse', (request, reply, done) => {
    const key = `${request.method} ${routeOf(request)} ${reply.statusCode}`
    let known = series.get(key)
    if (known === undefined) {
      known = { labels: { method: request.method, route: routeOf(request), status_code: String(reply.statusCode) }, outcome: SECRET_OUTCOMES[key] }
      series.set(key, known)
    }
    requests.inc(known.labels)
    duration.observe(known.labels, reply.elapsedTime / 1000)
    if (known.outcome !== undefined) secrets[known.outcome].inc()
    done()
  })

  // Without a token there is no /metrics at all (404): its counts tell anyone when secrets are
  // created and revealed, and its database figures cost queries anyone could trigger.
  if (options.token === undefined) return
  const expected = digest(options.token)
  app.get('/metrics', {
    schema: {
      hide: true,
      response: {
        200: Type.String({ description: 'Prometheus text exposition format' }),
        401: Type.Ref(ErrorReply),
        403: Type.Ref(ErrorReply)
      }
    },
    onRequest: async (request, reply) => {
      const presented = bearerToken(request)
      if (presented === undefined) {
        void reply.header('www-authenticate', 'Bearer realm="metrics"')
        throw new MetricsTokenRequired()
      }
      // Compare digests: equal length, constant time, whatever the client sent.
      if (!timingSafeEqual(digest(presented), expected)) throw new MetricsTokenWrong()
    }
  }, async (_request, reply) => {
    await databaseFigures()
    void reply.type(registry.contentType)
    return await registry.metrics()
  })
}, { name: 'metrics', dependencies: ['database'] })

function bearerToken (request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

function digest (token: string): Buffer {
  return createHash('sha256').update(token).digest()
}
