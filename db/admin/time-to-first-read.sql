-- Time to first read: how long revealed secrets waited between creation and their one reveal.
--
-- Run:   scripts/psql.sh time-to-first-read [-v days=30]
--        psql -f db/admin/time-to-first-read.sql [-v days=30]
-- Counts secrets created in the last :days days. A secret is revealed at most once, so its
-- first read is its only read. Secrets never read (deleted, expired or still waiting) are the
-- last line; percent is of all secrets created in the window.
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on
\if :{?days}
\else
  \set days 30
\endif

with created as (
  select secret_ref, occurred_at as created_at
  from audit_log
  where event = 'created'
    and occurred_at >= now() - make_interval(days => :'days'::int)
),
waited as (
  select created.secret_ref, revealed.occurred_at - created.created_at as wait
  from created
  left join audit_log as revealed
    on revealed.secret_ref = created.secret_ref
   and revealed.event = 'revealed'
),
bucket as (
  select *
  from (values
    (1, 'under 1 minute',   interval '0',          interval '1 minute'),
    (2, '1 to 10 minutes',  interval '1 minute',   interval '10 minutes'),
    (3, '10 to 60 minutes', interval '10 minutes', interval '1 hour'),
    (4, '1 to 24 hours',    interval '1 hour',     interval '1 day'),
    (5, '1 to 7 days',      interval '1 day',      interval '7 days'),
    (6, 'over 7 days',      interval '7 days',     null)
  ) as b (position, waited, low, high)
),
distribution as (
  select bucket.position, bucket.waited, count(waited.secret_ref) as secrets
  from bucket
  left join waited
    on waited.wait >= bucket.low
   and (bucket.high is null or waited.wait < bucket.high)
  group by bucket.position, bucket.waited
  union all
  select 7, 'not read (yet)', count(*)
  from waited
  where wait is null
)
select
  waited,
  secrets,
  round(100.0 * secrets / nullif(sum(secrets) over (), 0), 1) as percent
from distribution
order by position;

-- The same waits as percentiles (nulls when nothing was revealed).
select
  count(*)                                                                 as revealed,
  date_trunc('second', percentile_cont(0.5) within group (order by wait))  as median,
  date_trunc('second', percentile_cont(0.9) within group (order by wait))  as p90,
  date_trunc('second', percentile_cont(0.99) within group (order by wait)) as p99,
  date_trunc('second', max(wait))                                          as longest
from (
  select revealed.occurred_at - created.occurred_at as wait
  from audit_log as created
  join audit_log as revealed
    on revealed.secret_ref = created.secret_ref
   and revealed.event = 'revealed'
  where created.event = 'created'
    and created.occurred_at >= now() - make_interval(days => :'days'::int)
) as waited;
