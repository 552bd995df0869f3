// pg-boss wiring for the scheduled purge and the notification deliveries; the work itself is in
// plain functions (purge-expired.ts, _lib/webhooks/deliver.ts).
import fp from 'fastify-plugin'
import { PgBoss } from 'pg-boss'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../_lib/platform/config.ts'
import { pause } from '../_lib/platform/database.ts'
import type { Keyring } from '../_lib/secrets/crypto.ts'
import { deliver, drainOutbox, WEBHOOK_DRAIN_CRON, WEBHOOK_DRAIN_QUEUE, WEBHOOK_QUEUE } from '../_lib/webhooks/deliver.ts'
import { PRUNE_CRON, PRUNE_QUEUE, pruneAudit } from '../prune-audit.ts'
import { PURGE_CRON, PURGE_QUEUE, purgeExpired, type PurgeResult } from '../purge-expired.ts'
import { bossDatabase } from './pg-boss-db.ts'

export interface JobsOptions {
  purgeBatchSize: number
  /** PURGE_ROWS_PER_SECOND: the purge's pace (purge-expired.ts). */
  purgeRowsPerSecond: number
  /** AUDIT_RETENTION_DAYS; 0 keeps the audit log for ever (the job is then not scheduled). */
  retentionDays: number
  /** Told each finished purge (the metrics count expired secrets with it). */
  onPurged?: (result: PurgeResult) => void
  webhook: Config['webhook']
  /** Opens the notify secrets that sign deliveries. */
  keys: Keyring
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves once pg-boss runs and the schedules are registered (tests wait for it). */
    jobsStarted: Promise<void>
  }
}

export const jobsPlugin = fp(async (app: FastifyInstance, { purgeBatchSize, purgeRowsPerSecond, retentionDays, onPurged, webhook, keys }: JobsOptions) => {
  let boss: PgBoss | undefined
  const stopping = new AbortController()

  const startOnce = async (): Promise<PgBoss> => {
    const instance = new PgBoss({
      // pg-boss runs on the process's pool: pg-boss-db.ts says what that takes.
      db: bossDatabase(app.sql),
      // pg-boss is a minor guest of the database: poll and supervise rarely.
      superviseIntervalSeconds: 60,
      monitorIntervalSeconds: 60,
      cronMonitorIntervalSeconds: 30
    })
    instance.on('error', (err: Error) => app.log.error({ err }, 'pg-boss error'))
    await instance.start()
    await instance.createQueue(PURGE_QUEUE)
    // Schedules live in the database: every instance registering the same one is idempotent, and
    // pg-boss creates each minute's job once per cluster, however many instances run.
    await instance.schedule(PURGE_QUEUE, PURGE_CRON, null, { tz: 'UTC' })
    await instance.work(PURGE_QUEUE, { pollingIntervalSeconds: 15 }, async () => {
      const result = await purgeExpired(app.sql, purgeBatchSize, 100, { rowsPerSecond: purgeRowsPerSecond }, stopping.signal)
      if (result.purged > 0) app.log.info(result, 'purged expired secrets')
      onPurged?.(result)
    })
    await instance.createQueue(PRUNE_QUEUE)
    if (retentionDays > 0) {
      await instance.schedule(PRUNE_QUEUE, PRUNE_CRON, null, { tz: 'UTC' })
      await instance.work(PRUNE_QUEUE, async () => {
        const result = await pruneAudit(app.sql, retentionDays)
        app.log.info({ ...result, retentionDays }, 'pruned audit log')
      })
    } else {
      await instance.unschedule(PRUNE_QUEUE)
    }
    await startWebhooks(instance)
    return instance
  }

  // Deliveries: the outbox (written with each event) is drained into jobs when the trigger's
  // NOTIFY arrives, and every minute in case one was missed; pg-boss retries a failed attempt
  // with a doubling delay. All of it runs here, never in the request that made the event.
  const startWebhooks = async (instance: PgBoss): Promise<void> => {
    await app.sql`update webhook_stream set enabled = ${webhook.stream !== undefined}`
    await instance.createQueue(WEBHOOK_QUEUE, {
      retryLimit: webhook.retryLimit,
      retryDelay: webhook.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: webhook.timeoutSeconds + 30
    })
    await instance.work(WEBHOOK_QUEUE, { pollingIntervalSeconds: 1 }, async ([job]) => {
      const id = (job?.data as { id?: string } | undefined)?.id
      if (id !== undefined) await deliver(app.sql, id, keys, webhook)
    })
    const drain = coalesced(async () => {
      await drainOutbox(app.sql, async (id, tx) => {
        // The job is inserted in the drain's transaction: queued rows and their jobs commit together.
        await instance.send(WEBHOOK_QUEUE, { id }, { db: { executeSql: async (text, values) => ({ rows: [...await tx.unsafe(text, values as never[])] }) } })
      })
    }, (err) => { app.log.error({ err }, 'webhook outbox drain failed') })
    await instance.createQueue(WEBHOOK_DRAIN_QUEUE)
    await instance.schedule(WEBHOOK_DRAIN_QUEUE, WEBHOOK_DRAIN_CRON, null, { tz: 'UTC' })
    await instance.work(WEBHOOK_DRAIN_QUEUE, async () => { await drain() })
    try {
      await app.sql.listen('burnlink_webhook', () => { void drain() })
    } catch (err) {
      // Behind a transaction-pooling PgBouncer there is no LISTEN: deliveries then start within the minute.
      app.log.warn({ err: { message: (err as Error).message } }, 'no LISTEN for webhook deliveries; the minutely drain carries them')
    }
    await drain()
  }

  // Like the migrations, the jobs start whenever the database is there, not before.
  app.decorate('jobsStarted', (async () => {
    await app.databaseReady
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      try {
        boss = await startOnce()
        app.log.info({ queue: PURGE_QUEUE, cron: PURGE_CRON }, 'scheduled jobs running')
        return
      } catch (err) {
        app.log.warn({ err: { message: (err as Error).message }, attempt }, 'pg-boss could not start; retrying')
        await pause(Math.min(1000 * attempt, 10_000), stopping.signal)
      }
    }
  })())
  app.addHook('preClose', async () => { stopping.abort() })
  // Fastify closes plugins in the reverse order of registration: pg-boss stops before the database
  // plugin ends the pool it runs on.
  app.addHook('onClose', async () => { await boss?.stop({ graceful: true, timeout: 10_000 }) })
}, { name: 'jobs', dependencies: ['database'] })

/** Runs fn, or once more after the run in progress: wake-ups that come meanwhile fold into one. */
function coalesced (fn: () => Promise<void>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | undefined
  let again = false
  const run = async (): Promise<void> => {
    if (running !== undefined) {
      again = true
      return await running
    }
    running = (async () => {
      do {
        again = false
        try { await fn() } catch (err) { onError(err) }
      } while (again)
    })()
    try { await running } finally { running = undefined }
  }
  return run
}
