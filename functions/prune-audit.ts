// The retention job: deletes audit rows and receipts older than AUDIT_RETENTION_DAYS, in batches,
// and the notification state of the same age.
import type { Sql } from './_lib/platform/database.ts'

export const PRUNE_QUEUE = 'prune-audit'
export const PRUNE_CRON = '17 3 * * *' // daily, off the hour, UTC

export interface PruneResult { auditRows: number, receipts: number }

/**
 * Batches keep each statement short so that a first run over years of rows never holds locks
 * for long; `maxBatches` bounds one run, and the next day's run continues.
 */
export async function pruneAudit (sql: Sql, retentionDays: number, batchSize = 5000, maxBatches = 200): Promise<PruneResult> {
  const result = { auditRows: 0, receipts: 0 }
  if (retentionDays === 0) return result
  for (let batch = 0; batch < maxBatches; batch++) {
    const [row] = await sql<{ audit_rows: number, receipts: number }[]>`
      with old_audit as (
        delete from audit_log
        where id in (
          select id from audit_log
          where occurred_at < now() - make_interval(days => ${retentionDays})
          order by id
          limit ${batchSize}
        )
        returning 1
      ), old_receipts as (
        delete from receipt
        where id in (
          select id from receipt
          where created_at < now() - make_interval(days => ${retentionDays})
          limit ${batchSize}
        )
        returning 1
      )
      select (select count(*) from old_audit)::int as audit_rows, (select count(*) from old_receipts)::int as receipts`
    result.auditRows += row?.audit_rows ?? 0
    result.receipts += row?.receipts ?? 0
    if ((row?.audit_rows ?? 0) < batchSize && (row?.receipts ?? 0) < batchSize) break
  }
  // Notification state lives as long as the receipts that show it; a notify_url as long as the
  // secret's newest delivery could still need it.
  await sql`
    with old_deliveries as (
      delete from webhook_delivery
      where created_at < now() - make_interval(days => ${retentionDays})
    )
    delete from notify_target
    where created_at < now() - make_interval(days => ${retentionDays})`
  return result
}
