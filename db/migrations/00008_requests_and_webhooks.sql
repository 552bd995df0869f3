-- Requests (issue 25): someone asks for a secret; the holder answers once; the answer is a secret.

-- One row per request. The server generated both keys and keeps only their hashes: the request
-- key (the holder's link) finds this row to answer it, the inbox key (the requester's link) finds
-- the answer, a secret row whose id is inbox_id. Neither key can be computed from the other.
-- UNLOGGED like the secret table: a request is as short-lived as the secrets it brings.
create unlogged table secret_request (
  id                  bytea primary key,       -- SHA-256 of the request key
  inbox_id            bytea not null unique,   -- SHA-256 of the inbox key: the answer's secret.id
  ref                 text not null,           -- audit_log.secret_ref of the request and its answer
  note                bytea,                   -- the requester's note, sealed under the request key
  answer_key          bytea not null,          -- the answer's server-side key, sealed under the request key
  ttl_seconds         integer not null,        -- the answer lives this long after it is given
  created_at          timestamptz not null default now(),
  expires_at          timestamptz not null,    -- unanswered: when it lapses; answered: when the answer does
  answered_at         timestamptz,
  constraint secret_request_ids_are_sha256 check (octet_length(id) = 32 and octet_length(inbox_id) = 32),
  constraint secret_request_expires_after_creation check (expires_at > created_at)
);

create index secret_request_expires_at_idx on secret_request (expires_at);

revoke all on secret_request from public;

alter table audit_log drop constraint audit_log_event_known;
alter table audit_log add constraint audit_log_event_known check (event in (
  'created', 'revealed', 'deleted', 'expired',
  'delete_denied', 'reveal_denied',
  'request_created', 'request_answered', 'request_expired'
));

comment on table secret_request is 'Requests for a secret: hashes of the request and inbox keys; the answer is a secret row (id = inbox_id).';
