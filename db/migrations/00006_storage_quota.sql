-- The storage quota (issue 23): bytes of secrets each client stored in the current window, so one
-- address cannot fill the database within its request rate limit. One row per client and window;
-- a create adds its ciphertext's bytes in the statement that stores it, and is refused when that
-- would pass STORAGE_QUOTA_BYTES_PER_CLIENT. UNLOGGED like the secrets it counts: it holds client
-- addresses, which no WAL or backup needs, and a crash that empties `secret` may empty it too.
-- The purge job deletes rows whose window has ended.
create unlogged table storage_quota (
  client      text not null,                 -- as the passphrase locks store it (AuditContext.client)
  window_end  timestamptz not null,          -- windows are aligned to the epoch: a daily one ends at 00:00 UTC
  bytes       bigint not null,
  primary key (client, window_end)
);

comment on table storage_quota is 'Ciphertext bytes stored per client and window (STORAGE_QUOTA_BYTES_PER_CLIENT); rows of ended windows are purged.';
