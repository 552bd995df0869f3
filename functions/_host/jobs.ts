// pg-boss wiring for the scheduled purge; the purge itself is a plain function (purge-expired.ts).
import fp from 'fastify-plugin'
import { PgBoss } from 'pg-boss'
import type { FastifyInstance } from 'fastify'
import { pause } from '../_lib/platform/database.ts'
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
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves once pg-boss runs and the schedules are registered (tests wait for it). */
    jobsStarted: Promise<void>
  }
}

export const jobsPlugin = fp(async (app: FastifyInstance, { purgeBatchSize, purgeRowsPerSecond, retentionDays, onPurged }: JobsOptions) => {
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
    return instance
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
