-- Switches the secret table to LOGGED: secrets survive a crash and reach replicas (see the trade-off).
--
--   scripts/psql.sh secret-table-logged        (as the table's owner; undo: secret-table-unlogged)
--
-- Burnlink creates `secret` UNLOGGED on purpose (docs/deployment.md, "UNLOGGED, replicas and
-- failover"): its rows never enter the write-ahead log, so a crash or a failover empties it, and
-- no replica, WAL archive or base backup ever holds a ciphertext. Run this when losing unread
-- secrets on a crash or failover is worse for you than that:
--   + secrets survive a crash, are streamed to standbys, and are there after a failover;
--   - every ciphertext is written to the WAL, so it also lives in WAL archives and PITR backups
--     for as long as you keep them, after its reader has burned it (still AES-256-GCM encrypted:
--     readable only together with the master key, which is why the key never goes in a backup);
--   - each create/read/delete also writes WAL: more I/O, and replication lag under load.
-- The switch rewrites the table under an ACCESS EXCLUSIVE lock, writing all of it to the WAL:
-- requests wait until it is done (about a second per 100 MB of ciphertext). Rows are kept.
-- New migrations never switch it back: the choice stays yours.
--
-- passphrase_throttle (wrong-passphrase counters) follows its secrets, so that a failover does not
-- hand a guesser fresh attempts; secret_chunk and file_transfer (files' contents and transfers)
-- follow too, or a crash would leave files whose rows survived without their chunks. A file's
-- bytes in the WAL are the weightiest part of the trade-off: FILE_MAX_BYTES each.
alter table secret set logged;
alter table passphrase_throttle set logged;
alter table secret_chunk set logged;
alter table file_transfer set logged;

select relname as "table",
       case relpersistence when 'p' then 'logged' when 'u' then 'unlogged' end as persistence
from pg_class
where oid in ('secret'::regclass, 'passphrase_throttle'::regclass, 'secret_chunk'::regclass, 'file_transfer'::regclass)
order by relname desc;
