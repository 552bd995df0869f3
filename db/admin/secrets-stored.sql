-- Secrets stored now: how many (files among them), how many bytes, and when the next one expires.
--
-- Run:   scripts/psql.sh secrets-stored
--        psql -f db/admin/secrets-stored.sql
-- Reads the secret_summary view (migration 00002), so the audit reader role can run it without
-- being able to read a single ciphertext.
-- Role: burnlink_audit_reader is enough (read-only).

\set ON_ERROR_STOP on

select
  secrets,
  pg_size_pretty(ciphertext_bytes)                        as ciphertext,
  files,
  pg_size_pretty(file_bytes)                              as file_bytes,
  with_passphrase,
  expired_awaiting_purge,
  date_trunc('second', oldest_created_at)                 as oldest_created_at,
  date_trunc('second', next_expiry_at)                    as next_expiry_at,
  date_trunc('second', next_expiry_at - now())            as next_expiry_in,
  date_trunc('second', last_expiry_at)                    as last_expiry_at,
  pg_size_pretty(pg_total_relation_size('secret'))        as table_on_disk,
  pg_size_pretty(pg_total_relation_size('secret_chunk'))  as chunks_on_disk
from secret_summary;
