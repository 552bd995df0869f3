-- Audit retention status: how far back the audit log goes, how it grows, how much room it takes.
--
-- Run:   scripts/psql.sh audit-retention [-v retention_days=365]
--        psql -f db/admin/audit-retention.sql [-v retention_days=365]
-- The prune-audit job deletes rows older than AUDIT_RETENTION_DAYS (default 365) once a day;
-- pass the same value as retention_days. Rows past it by more than a day mean the job is not
-- running (no worker) or AUDIT_RETENTION_DAYS=0 (keep for ever).
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on
\if :{?retention_days}
\else
  \set retention_days 365
\endif

select
  count(*)                                                         as rows,
  date_trunc('second', min(occurred_at))                           as oldest,
  date_trunc('second', max(occurred_at))                           as newest,
  justify_days(date_trunc('day', now() - min(occurred_at)))        as spans,
  count(*) filter (
    where occurred_at < now() - make_interval(days => :'retention_days'::int + 1)
  )                                                                as overdue,
  pg_size_pretty(pg_table_size('audit_log'))                       as table_size,
  pg_size_pretty(pg_indexes_size('audit_log'))                     as index_size,
  pg_size_pretty(pg_total_relation_size('audit_log'))              as total_size
from audit_log;

-- Rows per month, newest first, with each month's share of the table.
select
  to_char(date_trunc('month', occurred_at), 'YYYY-MM')      as month,
  count(*)                                                  as rows,
  count(*) filter (where event = 'created')                 as created,
  round(100.0 * count(*) / sum(count(*)) over (), 1)        as percent
from audit_log
group by date_trunc('month', occurred_at)
order by date_trunc('month', occurred_at) desc;
