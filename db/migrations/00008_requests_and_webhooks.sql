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

-- Notifications (issue 25): a creator's notify_url is told of its secret's events, signed.

-- One row per secret (or request) created with a notify_url. The signing secret is stored sealed
-- under a key derived from the master key: signing needs it, but a database dump does not give it.
create table notify_target (
  secret_ref   text primary key,
  url          text not null,
  signing_key  bytea not null,
  created_at   timestamptz not null default now()
);

-- The outbox: one row per delivery to make, written by the trigger below in the statement that
-- writes the event's audit row, so an event and its delivery commit together or not at all. The
-- worker turns pending rows into pg-boss jobs and records each attempt here (the receipt shows it).
create table webhook_delivery (
  id            uuid primary key default gen_random_uuid(),  -- the webhook-id header
  secret_ref    text not null,
  target        text not null,             -- notify_url: the creator's; stream: WEBHOOK_URL
  event         text not null,             -- audit_log.event
  occurred_at   timestamptz not null,
  state         text not null default 'pending',
  attempts      integer not null default 0,
  last_status   integer,                   -- the receiver's HTTP status, null if none came
  last_error    text,
  delivered_at  timestamptz,
  created_at    timestamptz not null default now(),
  constraint webhook_delivery_target_known check (target in ('notify_url', 'stream')),
  constraint webhook_delivery_state_known check (state in ('pending', 'queued', 'delivered', 'failed'))
);
create index webhook_delivery_secret_ref_idx on webhook_delivery (secret_ref);
create index webhook_delivery_pending_idx on webhook_delivery (created_at) where state = 'pending';
create index webhook_delivery_created_at_idx on webhook_delivery (created_at);

-- Whether WEBHOOK_URL is set: the worker writes it at start, the trigger reads it.
create table webhook_stream (
  id       boolean primary key default true,
  enabled  boolean not null,
  constraint webhook_stream_one_row check (id)
);
insert into webhook_stream (enabled) values (false);

-- Every statement that makes an event writes its audit row: here the event gets its deliveries,
-- whichever statement (reveal, delete, purge, answer) wrote it. pg_notify wakes the worker at commit.
create function audit_log_webhook() returns trigger language plpgsql as $$
declare
  queued integer := 0;
  added integer;
begin
  if new.event in ('revealed', 'deleted', 'expired', 'request_answered', 'request_expired') then
    insert into webhook_delivery (secret_ref, target, event, occurred_at)
    select new.secret_ref, 'notify_url', new.event, new.occurred_at
    from notify_target
    where secret_ref = new.secret_ref;
    get diagnostics queued = row_count;
  end if;
  insert into webhook_delivery (secret_ref, target, event, occurred_at)
  select new.secret_ref, 'stream', new.event, new.occurred_at
  from webhook_stream
  where enabled;
  get diagnostics added = row_count;
  if queued + added > 0 then
    perform pg_notify('burnlink_webhook', '');
  end if;
  return null;
end
$$;

create trigger audit_log_webhook after insert on audit_log
for each row execute function audit_log_webhook();

revoke all on notify_target, webhook_delivery, webhook_stream from public;

comment on table notify_target is 'notify_url of a secret or request, and its signing secret sealed under the master key.';
comment on table webhook_delivery is 'Outbox and state of notifications: one row per delivery, never a key or content.';
