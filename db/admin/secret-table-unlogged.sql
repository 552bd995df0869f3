-- Switches the secret table back to UNLOGGED, Burnlink's default: a crash or failover forgets it.
--
--   scripts/psql.sh secret-table-unlogged      (as the table's owner; undoes secret-table-logged)
--
-- From here on no ciphertext enters the WAL, replicas or WAL archives again; what earlier WAL
-- archives and backups already hold stays there until they are rotated away. On a standby the
-- table becomes unreadable, and after a failover the promoted server starts with it empty: the
-- unread secrets are lost, the audit log (a logged table) is not. The rewrite takes an ACCESS
-- EXCLUSIVE lock while it copies the table; rows are kept. passphrase_throttle, secret_chunk and file_transfer go back with it.
alter table passphrase_throttle set unlogged;
alter table file_transfer set unlogged;
alter table secret_chunk set unlogged;
alter table secret set unlogged;

select relname as "table",
       case relpersistence when 'p' then 'logged' when 'u' then 'unlogged' end as persistence
from pg_class
where oid in ('secret'::regclass, 'passphrase_throttle'::regclass, 'secret_chunk'::regclass, 'file_transfer'::regclass)
order by relname desc;
