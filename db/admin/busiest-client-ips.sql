-- Busiest client IPs: who caused the most audit events over a recent window.
--
-- Run:   scripts/psql.sh busiest-client-ips [-v hours=24] [-v limit=20]
--        psql -f db/admin/busiest-client-ips.sql [-v hours=24] [-v limit=20]
-- The client is the IP Burnlink saw: behind a proxy it is real only with TRUST_PROXY set (see
-- docs/deployment.md). With AUDIT_IP_MODE=truncated it is the /24 (/48) network; with
-- AUDIT_IP_MODE=hashed it is a keyed hash that changes daily. Events of the scheduled jobs
-- have no client and are left out.
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on
\if :{?hours}
\else
  \set hours 24
\endif
\if :{?limit}
\else
  \set limit 20
\endif

select
  coalesce(abbrev(client_ip), client_ip_hash)        as client,
  count(*)                                           as events,
  count(*) filter (where event = 'created')          as created,
  count(*) filter (where event = 'revealed')         as revealed,
  count(*) filter (where event = 'deleted')          as deleted,
  count(*) filter (where event = 'delete_denied')    as delete_denied,
  count(*) filter (where event = 'reveal_denied')    as reveal_denied,
  count(distinct user_agent)                         as user_agents,
  date_trunc('second', min(occurred_at))             as first_seen,
  date_trunc('second', max(occurred_at))             as last_seen
from audit_log
where occurred_at >= now() - make_interval(hours => :'hours'::int)
  and coalesce(abbrev(client_ip), client_ip_hash) is not null
group by 1
order by events desc, client
limit :'limit'::int;
