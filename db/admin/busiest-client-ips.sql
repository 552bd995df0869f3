-- Busiest client IPs: who caused the most audit events over a recent window.
--
-- Run:   scripts/psql.sh busiest-client-ips [-v hours=24] [-v limit=20]
--        psql -f db/admin/busiest-client-ips.sql [-v hours=24] [-v limit=20]
-- The IP is the one Fastify saw: behind a proxy it is real only with TRUST_PROXY set (see
-- docs/deployment.md). Events of the scheduled purge have no IP and are left out.
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
  client_ip,
  count(*)                                           as events,
  count(*) filter (where event = 'created')          as created,
  count(*) filter (where event = 'revealed')         as revealed,
  count(*) filter (where event = 'deleted')          as deleted,
  count(*) filter (where event = 'delete_denied')    as delete_denied,
  count(distinct user_agent)                         as user_agents,
  date_trunc('second', min(occurred_at))             as first_seen,
  date_trunc('second', max(occurred_at))             as last_seen
from audit_log
where occurred_at >= now() - make_interval(hours => :'hours'::int)
  and client_ip is not null
group by client_ip
order by events desc, client_ip
limit :'limit'::int;
