-- Who may create (issue 26): accounts from single sign-on, their browser sessions, API tokens,
-- and the account named on the audit rows of what it created.

-- A person as the OpenID provider names them: (issuer, subject) is the stable identity; the email
-- is kept to show it back to them and for administrators, and is refreshed at every sign-in.
create table account (
  id            uuid primary key default gen_random_uuid(),
  issuer        text not null,
  subject       text not null,
  email         text not null,
  created_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  constraint account_identity_unique unique (issuer, subject)
);

-- A signed-in browser. The cookie holds a random id; only its SHA-256 is stored, so a database
-- dump holds no usable session. The CSRF token is what the web app's script sends back in a header.
create table account_session (
  id_hash     bytea primary key,
  account_id  uuid not null references account (id) on delete cascade,
  csrf_token  text not null,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  constraint account_session_id_is_sha256 check (octet_length(id_hash) = 32)
);
create index account_session_expires_at_idx on account_session (expires_at);
create index account_session_account_id_idx on account_session (account_id);

-- A token for scripts: random, shown once, stored only as its SHA-256. account_id is null for an
-- operator's token (`npm run tokens`), which belongs to no person. A revoked token keeps its row
-- (name, dates) for the record; its name is free again for a new token.
create table api_token (
  id            uuid primary key default gen_random_uuid(),
  account_id    uuid references account (id) on delete cascade,
  name          text not null,
  token_hash    bytea not null,
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  constraint api_token_hash_is_sha256 check (octet_length(token_hash) = 32),
  constraint api_token_hash_unique unique (token_hash),
  constraint api_token_name_sane check (name ~ '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$')
);
create unique index api_token_live_name_idx on api_token (account_id, name) nulls not distinct where revoked_at is null;

-- The account behind a signed-in create. No foreign key: the audit log outlives accounts.
alter table audit_log add column account_id uuid;
create index audit_log_account_id_idx on audit_log (account_id, occurred_at) where account_id is not null;

-- A creator deletes their own unread secret by its ref (the audit log's name for it).
create index secret_ref_idx on secret (ref);

revoke all on account, account_session, api_token from public;

comment on table account is 'People who signed in through OpenID Connect; (issuer, subject) is their identity.';
comment on table account_session is 'Signed-in browsers: the SHA-256 of the session cookie, never the cookie.';
comment on table api_token is 'API tokens: the SHA-256 of the token, never the token; account_id null = an operator token.';
comment on column audit_log.account_id is 'account.id of the creator of a signed-in create; null for anonymous creates and operator tokens.';
