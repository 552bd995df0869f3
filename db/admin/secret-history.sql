-- The full history of one secret: every audit event of one secret_ref, oldest first.
--
-- Run:   scripts/psql.sh secret-history -v ref=3f9c0e8a1b2d4c6e8f0a1b2c
--        psql -f db/admin/secret-history.sql -v ref=3f9c0e8a1b2d4c6e8f0a1b2c
-- The ref is in every audit row; it cannot be turned back into the key. The client is the IP,
-- its network or its daily hash, as AUDIT_IP_MODE says.
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on
\if :{?ref}
\else
  -- An error (psql exits with status 3), so that scripts notice the missing argument.
  \set VERBOSITY terse
  do $$ begin raise exception 'secret-history needs the secret_ref: -v ref=<24 hex characters>'; end $$;
\endif

select
  occurred_at,
  event,
  coalesce(abbrev(client_ip), client_ip_hash)   as client,
  user_agent,
  request_id,
  details
from audit_log
where secret_ref = :'ref'
order by occurred_at, id;

