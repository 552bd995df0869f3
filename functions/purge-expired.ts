// The scheduled job: deletes expired secrets in bounded batches, one 'expired' audit row each,
// the throttle counters of secrets that no longer exist, storage-quota counts of past windows,
// the chunks of files that no longer exist, lapsed requests and expired sign-in sessions.
import { setTimeout as sleep } from 'node:timers/promises'
import { purgeSessions } from './_lib/accounts/sessions.ts'
import type { Sql } from './_lib/platform/database.ts'
import { purgeRequests } from './_lib/secrets/request-store.ts'
import { fileDetails } from './_lib/secrets/store.ts'

export const PURGE_QUEUE = 'purge-expired'
export const PURGE_CRON = '* * * * *'

export interface PurgeResult { purged: number, batches: number }

/**
 * How fast a purge may go. Each purged secret writes WAL (its audit row and index entries) that
 * every other commit of the moment has to flush before its own: at full speed a large purge makes
 * the reveals beside it wait markedly longer at the tail (docs/benchmarks.md, *Purge*).
 */
export interface PurgePace {
  /** Batches are spaced so that at most this many rows go per second; 0 = back to back. */
  rowsPerSecond: number
  /** Waits between batches; tests pass their own to see the pauses without waiting. */
  pause?: (ms: number) => Promise<unknown>
}

/**
 * Each batch is one statement (delete + audit), so a row never disappears without its record.
 * `skip locked` lets a reader or a second purger take other rows without waiting; the batch cap
 * bounds one run, and the next minute's run continues. `stop` (the process shutting down) ends
 * the run after the batch in flight, cutting its pause short: a run of full batches at the
 * default pace lasts longer than a shutdown should wait.
 */
export async function purgeExpired (sql: Sql, batchSize: number, maxBatches = 100, pace: PurgePace = { rowsPerSecond: 0 }, stop?: AbortSignal): Promise<PurgeResult> {
  let purged = 0
  let batches = 0
  const interval = pace.rowsPerSecond > 0 ? batchSize / pace.rowsPerSecond * 1000 : 0
  // An aborted pause resolves rather than rejects: the loop's condition ends the run.
  const pause = pace.pause ?? (async (ms: number) => await sleep(ms, undefined, { signal: stop }).catch(() => undefined))
  while (batches < maxBatches && stop?.aborted !== true) {
    const started = performance.now()
    const [row] = await sql<{ count: number }[]>`
      with doomed as (
        select id
        from secret
        where expires_at <= now()
        order by expires_at
        limit ${batchSize}
        for update skip locked
      ), gone as (
        delete from secret
        using doomed
        where secret.id = doomed.id
        returning secret.ref, secret.created_at, secret.expires_at, secret.kind, secret.size_bucket_bytes
      ), logged as (
        insert into audit_log (event, secret_ref, details)
        select 'expired', ref, jsonb_build_object('expired_at', expires_at, 'lifetime_seconds', round(extract(epoch from expires_at - created_at))) || ${fileDetails(sql)}
        from gone
      )
      select count(*)::int as count from gone`
    const count = row?.count ?? 0
    purged += count
    batches++
    if (count < batchSize) break
    const rest = interval - (performance.now() - started)
    if (rest > 0 && batches < maxBatches) await pause(rest)
  }
  // Throttle counters of secrets that are gone (read, deleted or purged): nothing to protect.
  // Left to the next run when shutting down.
  if (stop?.aborted === true) return { purged, batches }
  await sql`
    delete from passphrase_throttle t
    where not exists (select from secret s where s.id = t.secret_id)`
  await sql`
    delete from storage_quota
    where window_end <= now()`
  await purgeChunks(sql)
  await purgeRequests(sql)
  await purgeSessions(sql)
  return { purged, batches }
}

/**
 * A file's chunks outlive its row while they stream out, and come before it while they stream
 * in; a transfer row guards them meanwhile. Chunks with neither a row nor a transfer belong to a
 * file deleted, expired or broken off (or of a file answer that lost to a text answer, whose row
 * has the same id); a transfer past its deadline takes its chunks with it.
 * One statement sees the publish or the reveal that swaps a row for a transfer row (or back)
 * entirely or not at all, so a file in between is never taken for an orphan.
 */
export async function purgeChunks (sql: Sql): Promise<void> {
  await sql`
    with lapsed as (
      delete from file_transfer
      where deadline <= now()
      returning secret_id
    )
    delete from secret_chunk c
    where c.secret_id in (select secret_id from lapsed)
      or (
        not exists (select from secret s where s.id = c.secret_id and s.kind = 'file')
        and not exists (select from file_transfer t where t.secret_id = c.secret_id)
      )`
}
