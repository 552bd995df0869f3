// pg-boss wiring for the scheduled purge; the purge itself is a plain function (purge-expired.ts).
import fp from 'fastify-plugin'
import { PgBoss } from 'pg-boss'
import type { FastifyInstance } from 'fastify'
import { PURGE_CRON, PURGE_QUEUE, purgeExpired, type PurgeResult } from '../purge-expired.ts'

export interface JobsOptions {
  purgeBatchSize: number
  /** Told each finished purge (the metrics count expired secrets with it). */
  onPurged?: (result: PurgeResult) => void
}

export const jobsPlugin = fp(async (app: FastifyInstance, { purgeBatchSize, onPurged }: JobsOptions) => {
  const db = app.database
  const boss = new PgBoss({
    host: db.host,
    port: db.port,
    database: db.database,
    user: db.user,
    ...(db.password === undefined ? {} : { password: db.password }),
    max: 2,
    application_name: 'burnlink-worker',
    // pg-boss is a minor guest of the database: poll and supervise rarely (issue 5's budget).
    superviseIntervalSeconds: 60,
    monitorIntervalSeconds: 60,
    cronMonitorIntervalSeconds: 30
  })
  boss.on('error', (err: Error) => app.log.error({ err }, 'pg-boss error'))
  await boss.start()
  await boss.createQueue(PURGE_QUEUE)
  // Schedules live in the database: every instance registering the same one is idempotent, and
  // pg-boss creates each minute's job once per cluster, however many instances run.
  await boss.schedule(PURGE_QUEUE, PURGE_CRON, null, { tz: 'UTC' })
  await boss.work(PURGE_QUEUE, { pollingIntervalSeconds: 15 }, async () => {
    const result = await purgeExpired(app.sql, purgeBatchSize)
    if (result.purged > 0) app.log.info(result, 'purged expired secrets')
    onPurged?.(result)
  })
  app.addHook('onClose', async () => { await boss.stop({ graceful: true, timeout: 10_000 }) })
}, { name: 'jobs', dependencies: ['database'] })
