-- A read-only role for administrators: the audit log and aggregate views, never a ciphertext.

-- What is stored now, without a single ciphertext, hash or id: the view runs with its owner's
-- rights, so a role allowed to read only the view still sees these totals
-- (db/admin/secrets-stored.sql reads it).
create view secret_summary as
select
  count(*)::bigint                                     as secrets,
  coalesce(sum(octet_length(ciphertext)), 0)::bigint   as ciphertext_bytes,
  count(*) filter (where passphrase_hash is not null)  as with_passphrase,
  count(*) filter (where expires_at <= now())          as expired_awaiting_purge,
  min(created_at)                                      as oldest_created_at,
  min(expires_at) filter (where expires_at > now())    as next_expiry_at,
  max(expires_at)                                      as last_expiry_at
from secret;

comment on view secret_summary is 'Aggregates of the secret table for administrators; exposes no row.';

-- Nobody reads ciphertexts through a grant to PUBLIC, whatever was granted by hand before.
revoke all on secret from public;

-- Roles belong to the whole cluster, while this migration runs once per database: several
-- Burnlink databases (or test databases migrating in parallel) may all try to create the role.
-- The loser of that race sees duplicate_object, or unique_violation on pg_authid; both mean
-- "it exists". NOLOGIN: the role is granted to people, nobody logs in as it.
do $$
begin
  if not exists (select from pg_roles where rolname = 'burnlink_audit_reader') then
    begin
      create role burnlink_audit_reader nologin;
      -- Only the creator comments: concurrent updates of one shared catalog row could conflict.
      comment on role burnlink_audit_reader is 'Burnlink: reads audit_log and secret_summary; never the secret table.';
    exception
      when duplicate_object or unique_violation then null;
      -- A least-privilege database user may not create roles. Burnlink must still start:
      -- docs/administration.md shows the statements an administrator runs instead.
      when insufficient_privilege then
        raise warning 'burnlink: no CREATEROLE privilege, role burnlink_audit_reader not created (see docs/administration.md)';
        return;
    end;
  end if;

  -- Grants are per database, so they run for every database. The schema is wherever 00001
  -- created the tables: the connection's current schema.
  execute format('grant usage on schema %I to burnlink_audit_reader', current_schema());
  grant select on audit_log, secret_summary, schema_migration to burnlink_audit_reader;
  -- Explicit, so that an earlier hand-made "grant select on all tables" cannot leave the
  -- ciphertexts readable by this role.
  revoke all on secret from burnlink_audit_reader;
  -- Tables of later migrations stay unreadable until a migration grants them: a new table could
  -- hold secret material, so reading it must be a decision, not a default.
  alter default privileges revoke all on tables from burnlink_audit_reader;
end
$$;
