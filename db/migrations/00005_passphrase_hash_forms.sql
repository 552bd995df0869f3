-- What passphrase_hash holds (ADR 14). Secrets created since then store one Argon2id run's
-- verifier; older rows keep the PHC string they were created with, checked as before.
comment on column secret.passphrase_hash is
  'Null without a passphrase. $burnlink-argon2id$v=19$m=…,t=…,p=…$<salt>$<verifier>: HMAC of one Argon2id run (the run also gives a gated secret''s key share, never stored); or, from before, an Argon2id PHC string.';
