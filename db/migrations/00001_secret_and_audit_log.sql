-- Burnlink's two tables: the secrets "cache" and the audit log.

-- Secrets, encrypted. UNLOGGED: never written to the WAL, so never replicated, never in a
-- WAL archive, and emptied by a PostgreSQL crash. A secret that must not outlive its reader
-- should not outlive a crash either (see docs/architecture.md).
create unlogged table secret (
  id              bytea primary key,       -- SHA-256 of the secret key; the key itself is never stored
  ref             text not null,           -- audit_log.secret_ref of this secret
  ciphertext      bytea not null,          -- AES-256-GCM, format in functions/_lib/crypto.ts
  passphrase_hash text,                    -- Argon2id (PHC string), null when no passphrase was set
  created_at      timestamptz not null default now(),
  expires_at      timestamptz not null,
  constraint secret_id_is_sha256 check (octet_length(id) = 32),
  constraint secret_expires_after_creation check (expires_at > created_at)
);

-- The purge job walks expired rows oldest first.
create index secret_expires_at_idx on secret (expires_at);

-- Constant insert/delete churn: vacuum early so dead tuples are reused instead of bloating.
alter table secret set (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_vacuum_cost_delay = 0
);

-- One row per event. This is what an administrator reads with psql (db/admin/).
create table audit_log (
  id          bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  event       text not null,
  secret_ref  text not null,
  client_ip   inet,                        -- null for events of the scheduled purge
  user_agent  text,
  request_id  text,
  details     jsonb not null default '{}',
  constraint audit_log_event_known check (event in ('created', 'revealed', 'deleted', 'delete_denied', 'expired'))
);

create index audit_log_secret_ref_idx on audit_log (secret_ref);
create index audit_log_occurred_at_idx on audit_log (occurred_at);

comment on table secret is 'One-time secrets, encrypted; a row is deleted when read, deleted or expired.';
comment on table audit_log is 'Every create/reveal/delete/expiry, never the secret or its key.';
comment on column audit_log.secret_ref is 'Links the events of one secret; cannot be turned back into the key.';
