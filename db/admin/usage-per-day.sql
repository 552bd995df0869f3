-- Usage per day: secrets created, revealed, deleted, expired unread; refused deletes and reveals.
--
-- Run:   scripts/psql.sh usage-per-day [-v days=30]
--        psql -f db/admin/usage-per-day.sql [-v days=30]
-- Days follow the session's time zone (PGTZ=UTC scripts/psql.sh … to choose another); days
-- without any event are listed with zeros, newest first. The refusals are requests with a
-- missing, wrong or throttled passphrase (details.reason in the audit row).
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on
\if :{?days}
\else
  \set days 30
\endif

with day as (
  select day::date
  from generate_series(current_date - (:'days'::int - 1), current_date, interval '1 day') as day
),
counted as (
  select
    occurred_at::date                                 as day,
    count(*) filter (where event = 'created')         as created,
    count(*) filter (where event = 'revealed')        as revealed,
    count(*) filter (where event = 'deleted')         as deleted,
    count(*) filter (where event = 'expired')         as expired_unread,
    count(*) filter (where event = 'delete_denied')   as delete_denied,
    count(*) filter (where event = 'reveal_denied')   as reveal_denied
  from audit_log
  where occurred_at >= current_date - (:'days'::int - 1)
  group by 1
)
select
  day,
  coalesce(created, 0)         as created,
  coalesce(revealed, 0)        as revealed,
  coalesce(deleted, 0)         as deleted,
  coalesce(expired_unread, 0)  as expired_unread,
  coalesce(delete_denied, 0)   as delete_denied,
  coalesce(reveal_denied, 0)   as reveal_denied
from day
left join counted using (day)
order by day desc;
