-- Share links: a public URL (/s/{token} on the HTTP port) for one object, one version of it, or
-- every object under a prefix. Only the token's SHA-256 identifies a link (a database leak does
-- not leak links); the token itself is kept sealed under the master key (the share id as
-- associated data) so its owner can copy the URL again. Deleting the account or the bucket
-- deletes its shares; deleting the object ends them (ended_at), see src/services/shares.

CREATE TABLE shares (
  id              TEXT PRIMARY KEY,               -- "sh_" + random
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  bucket_id       TEXT NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
  key             TEXT NOT NULL,                  -- the object key, or the prefix (ends with '/')
  is_prefix       INTEGER NOT NULL DEFAULT 0,
  version_id      TEXT,                           -- a pinned version; NULL follows the current one
  token_hash      TEXT NOT NULL UNIQUE,           -- sha256 hex of the token
  token_enc       TEXT NOT NULL,                  -- the token, AES-256-GCM under the master key
  password_hash   TEXT,                           -- argon2id
  expires_at      INTEGER,                        -- NULL: until revoked
  max_downloads   INTEGER,                        -- NULL: unlimited
  downloads       INTEGER NOT NULL DEFAULT 0,     -- completed downloads
  reserved        INTEGER NOT NULL DEFAULT 0,     -- downloads in progress holding a slot
  created_at      INTEGER NOT NULL,
  revoked_at      INTEGER,
  ended_at        INTEGER                         -- the shared object was deleted
) STRICT;
CREATE INDEX shares_account ON shares(account_id, created_at);
CREATE INDEX shares_key ON shares(bucket_id, key);
