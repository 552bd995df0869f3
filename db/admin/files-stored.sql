-- Files: how many are stored now and their bytes, and file events of the last days by padded size.
--
-- Run:   scripts/psql.sh files-stored [-v days=7]
--        psql -f db/admin/files-stored.sql [-v days=7]
-- The totals come from the secret_summary view (its files and file_bytes columns, migration
-- 00006), the events from audit_log, where a file's rows carry details.kind = 'file' and its
-- padded size, details.size_bucket_bytes (never its exact size: the server never knows its name).
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on
\if :{?days}
\else
  \set days 7
\endif

select
  files,
  pg_size_pretty(file_bytes)                              as file_bytes,
  secrets - files                                         as texts
from secret_summary;

select
  event,
  count(*)                                                as files,
  pg_size_pretty(sum((details->>'size_bucket_bytes')::bigint)) as padded_bytes,
  pg_size_pretty(max((details->>'size_bucket_bytes')::bigint)) as largest_padded
from audit_log
where details->>'kind' = 'file'
  and occurred_at >= now() - make_interval(days => :'days'::int)
group by event
order by min(occurred_at);
