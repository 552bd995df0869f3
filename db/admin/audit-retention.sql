-- Audit retention status: how far back the audit log goes, how it grows, how much room it takes.
--
-- Run:   scripts/psql.sh audit-retention
--        psql -f db/admin/audit-retention.sql
-- Burnlink never deletes audit rows; docs/administration.md shows how to prune old months.
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on

select
  count(*)                                                         as rows,
  date_trunc('second', min(occurred_at))                           as oldest,
  date_trunc('second', max(occurred_at))                           as newest,
  justify_days(date_trunc('day', now() - min(occurred_at)))        as spans,
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
