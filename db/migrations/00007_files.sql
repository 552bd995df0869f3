-- One-time files (issue 24): a file is a secret row like text, its content in chunks beside it.

-- What a secret holds. A file's row carries no ciphertext of its own: its content is in
-- secret_chunk, and the row says how many bytes and chunks to expect, so that a missing chunk is
-- noticed. size_bucket_bytes is the padded size the audit rows record (never the exact size).
alter table secret add column kind text not null default 'text';
alter table secret alter column ciphertext drop not null;
alter table secret add column file_bytes bigint;
alter table secret add column file_chunks integer;
alter table secret add column size_bucket_bytes bigint;
alter table secret add constraint secret_kind_known check (
  (kind = 'text' and ciphertext is not null and file_bytes is null and file_chunks is null)
  or (kind = 'file' and ciphertext is null and file_bytes > 0 and file_chunks > 0 and size_bucket_bytes >= file_bytes)
);

-- A file's content: the client's ciphertext under the server's own AES-256-GCM layer, one row per
-- chunk (functions/_lib/secrets/crypto.ts, sealChunk). UNLOGGED like the secret table, for the same
-- reasons. No foreign key: chunks are written before their secret row exists (the row is only
-- published once every chunk is stored), and are read after it is gone (the reveal deletes the row
-- first, then streams the chunks and deletes them as they go).
create unlogged table secret_chunk (
  secret_id   bytea not null,              -- secret.id of the file
  chunk_index integer not null,
  ciphertext  bytea not null,
  primary key (secret_id, chunk_index)
);
-- Ciphertext does not compress: store it out of line without trying (TOAST's pglz would try on
-- every chunk and give up).
alter table secret_chunk alter column ciphertext set storage external;

-- A file on the move: being uploaded (no secret row yet) or being downloaded (the secret row is
-- gone). While a transfer row stands, the purge leaves the file's chunks alone; chunks with neither
-- a secret row nor a transfer row are orphans (an upload that broke off, a download whose process
-- died, a deleted or expired file) and the purge removes them.
create unlogged table file_transfer (
  secret_id   bytea primary key,
  direction   text not null,
  deadline    timestamptz not null,        -- after this the purge takes the chunks away
  constraint file_transfer_direction_known check (direction in ('upload', 'download'))
);

alter table secret_chunk set (
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.01,
  autovacuum_vacuum_cost_delay = 0
);

revoke all on secret_chunk, file_transfer from public;

-- The administrators' view gains the files, still without a single row.
create or replace view secret_summary as
select
  count(*)::bigint                                     as secrets,
  coalesce(sum(octet_length(ciphertext)), 0)::bigint   as ciphertext_bytes,
  count(*) filter (where passphrase_hash is not null)  as with_passphrase,
  count(*) filter (where expires_at <= now())          as expired_awaiting_purge,
  min(created_at)                                      as oldest_created_at,
  min(expires_at) filter (where expires_at > now())    as next_expiry_at,
  max(expires_at)                                      as last_expiry_at,
  count(*) filter (where kind = 'file')                as files,
  coalesce(sum(file_bytes), 0)::bigint                 as file_bytes
from secret;

comment on table secret_chunk is 'The chunks of one-time files, encrypted; deleted as they are read, or by the purge.';
comment on table file_transfer is 'Files being uploaded or downloaded: the purge keeps their chunks until the deadline.';
comment on column secret.kind is 'text: the secret is in ciphertext; file: in secret_chunk (file_bytes bytes, file_chunks chunks).';
