-- The foreign key from passphrase_throttle to secret ran a cascade trigger, a nested DELETE, on
-- every reveal, delete and purged row (the most frequent statement in the benchmark's counts),
-- to tidy a table that only secrets with wrong passphrases ever touch. Leftover rows are
-- harmless (a secret id is never reused) and the minutely purge job removes them instead.
alter table passphrase_throttle drop constraint passphrase_throttle_secret_id_fkey;
