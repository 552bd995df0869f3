-- Hardening (issue 4): passphrase-gated reveal, passphrase throttling, read receipts, IP privacy.

-- A secret whose GET also needs its passphrase (the passphrase is then part of its key derivation).
alter table secret add column reveal_requires_passphrase boolean not null default false;

-- Wrong-passphrase throttling, shared by every instance. One row per secret and scope: a client
-- IP (per pair), or '*' (the secret as a whole). UNLOGGED like the secrets it protects, and
-- removed with them by the foreign key.
create unlogged table passphrase_throttle (
  secret_id     bytea not null references secret (id) on delete cascade,
  scope         text not null,               -- client IP as text, or '*' for all clients together
  failures      integer not null,
  window_start  timestamptz not null,
  locked_until  timestamptz,
  primary key (secret_id, scope)
);

-- Receipts let the creator see what became of a secret without being able to reveal it. Logged:
-- they live as long as the audit rows they summarise (AUDIT_RETENTION_DAYS), not the secret.
create table receipt (
  id          bytea primary key,             -- SHA-256 of the receipt key; the key is never stored
  secret_ref  text not null,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,          -- when the secret expires unread
  constraint receipt_id_is_sha256 check (octet_length(id) = 32)
);
create index receipt_created_at_idx on receipt (created_at);

-- AUDIT_IP_MODE=hashed keeps a keyed hash instead of the address.
alter table audit_log add column client_ip_hash text;

alter table audit_log drop constraint audit_log_event_known;
alter table audit_log add constraint audit_log_event_known check (event in (
  'created', 'revealed', 'deleted', 'expired',
  'delete_denied', 'reveal_denied'            -- details.reason: missing, wrong, throttled
));

comment on table passphrase_throttle is 'Wrong-passphrase counters per secret and client (scope ''*'' = all clients).';
comment on table receipt is 'Receipt keys (hashed) of secrets: the creator''s view of what happened.';
comment on column audit_log.client_ip_hash is 'HMAC of the client IP under a daily key (AUDIT_IP_MODE=hashed).';
