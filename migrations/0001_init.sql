-- CloudStorage schema, version 1. SQLite is the source of truth; blobs hold bytes only.
-- Times are integer milliseconds since the epoch (UTC).

CREATE TABLE plans (
  name            TEXT PRIMARY KEY,
  quota_bytes     INTEGER NOT NULL,
  max_buckets     INTEGER NOT NULL DEFAULT 10,
  max_keys        INTEGER NOT NULL DEFAULT 5,
  rates_json      TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE accounts (
  id              TEXT PRIMARY KEY,
  email           TEXT NOT NULL COLLATE NOCASE UNIQUE,
  password_hash   TEXT NOT NULL,
  is_admin        INTEGER NOT NULL DEFAULT 0,
  plan            TEXT,
  quota_override  INTEGER,
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  password_changed_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
) STRICT;

-- Usage is kept exact in the same transaction as every change (see services).
-- logical_bytes counts every kept version and uploaded part; stored_bytes counts distinct blobs.
CREATE TABLE account_usage (
  account_id      TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  logical_bytes   INTEGER NOT NULL DEFAULT 0,
  stored_bytes    INTEGER NOT NULL DEFAULT 0,
  objects         INTEGER NOT NULL DEFAULT 0,
  warned_percent  INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE access_keys (
  id              TEXT PRIMARY KEY,               -- the access key id, "CS" + 18 chars
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name            TEXT NOT NULL DEFAULT '',
  secret_enc      TEXT NOT NULL,                  -- AES-256-GCM under the master key
  created_at      INTEGER NOT NULL,
  last_used_at    INTEGER
) STRICT;
CREATE INDEX access_keys_account ON access_keys(account_id);

CREATE TABLE sessions (
  id_hash         TEXT PRIMARY KEY,               -- sha256 of the cookie value; the value is never stored
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  csrf_token      TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  last_seen_at    INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE buckets (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  region          TEXT NOT NULL,
  is_default      INTEGER NOT NULL DEFAULT 0,
  s3_versioning   TEXT NOT NULL DEFAULT '' CHECK (s3_versioning IN ('', 'Enabled', 'Suspended')),
  time_machine    INTEGER NOT NULL DEFAULT 1,
  public_read     INTEGER NOT NULL DEFAULT 0,
  cors_json       TEXT,
  retention_max_versions INTEGER,
  retention_days  INTEGER,
  usage_bytes     INTEGER NOT NULL DEFAULT 0,     -- logical bytes: versions + in-progress parts
  usage_objects   INTEGER NOT NULL DEFAULT 0,     -- current (listed) objects
  created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX buckets_account ON buckets(account_id);

-- Content blobs. A row is written in the transaction that first references the blob (a version
-- or a part); at refcount zero it is 'dead' and GC unlinks the file after a grace period.
-- Writes in progress live in tmp/ until then; a file in blobs/ without a row is an orphan of a
-- crash between rename and commit, removed by recovery.
CREATE TABLE blobs (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  size            INTEGER NOT NULL DEFAULT 0,
  sha256          TEXT,
  md5             TEXT,
  state           TEXT NOT NULL CHECK (state IN ('live', 'dead')),
  refcount        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  dead_at         INTEGER
) STRICT;
CREATE INDEX blobs_dead ON blobs(dead_at) WHERE state = 'dead';
CREATE INDEX blobs_dedup ON blobs(account_id, sha256) WHERE state = 'live';

-- One row per key that has (or had) a history. `id` is the stable file id for the object's
-- life. The current version's listing fields are copied here so listings read one table.
CREATE TABLE objects (
  id              TEXT PRIMARY KEY,
  bucket_id       TEXT NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
  key             TEXT NOT NULL,
  current_version_id TEXT,                        -- NULL or a delete marker: not listed
  is_live         INTEGER NOT NULL DEFAULT 0,
  size            INTEGER NOT NULL DEFAULT 0,
  etag            TEXT NOT NULL DEFAULT '',
  content_type    TEXT NOT NULL DEFAULT '',
  last_modified   INTEGER NOT NULL DEFAULT 0,
  next_version_number INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL DEFAULT 0,
  UNIQUE (bucket_id, key)
) STRICT;
-- Keys compare as BINARY (memcmp over UTF-8), which is S3's listing order.
CREATE INDEX objects_live ON objects(bucket_id, key) WHERE is_live = 1;

CREATE TABLE object_versions (
  id              TEXT PRIMARY KEY,               -- opaque version id
  object_id       TEXT NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  bucket_id       TEXT NOT NULL,
  key             TEXT NOT NULL,
  version_number  INTEGER NOT NULL,
  s3_null         INTEGER NOT NULL DEFAULT 1,     -- 1: S3 sees version id "null"
  s3_hidden       INTEGER NOT NULL DEFAULT 0,     -- 1: kept only by Time Machine, not an S3 version
  is_delete_marker INTEGER NOT NULL DEFAULT 0,
  blob_id         TEXT,                           -- single-blob content; NULL for multipart/markers
  size            INTEGER NOT NULL DEFAULT 0,
  etag            TEXT NOT NULL DEFAULT '',
  parts_count     INTEGER NOT NULL DEFAULT 0,
  content_type    TEXT NOT NULL DEFAULT '',
  headers_json    TEXT NOT NULL DEFAULT '{}',     -- Content-Encoding/-Disposition/-Language, Cache-Control, Expires
  user_meta_json  TEXT NOT NULL DEFAULT '{}',
  checksum_json   TEXT,                           -- {algorithm, type, value}
  sha256          TEXT,
  created_at      INTEGER NOT NULL,
  noncurrent_since INTEGER,                       -- when a newer version or a delete superseded it
  UNIQUE (object_id, version_number)
) STRICT;
CREATE INDEX object_versions_listing ON object_versions(bucket_id, key, version_number DESC);
CREATE INDEX object_versions_history ON object_versions(noncurrent_since) WHERE s3_hidden = 1;

-- Parts of a multipart object, in order. Offsets let ranged GETs seek without summing.
CREATE TABLE version_parts (
  version_id      TEXT NOT NULL REFERENCES object_versions(id) ON DELETE CASCADE,
  part_number     INTEGER NOT NULL,
  blob_id         TEXT NOT NULL,
  offset          INTEGER NOT NULL,
  size            INTEGER NOT NULL,
  etag            TEXT NOT NULL,
  checksum        TEXT,
  PRIMARY KEY (version_id, part_number)
) STRICT, WITHOUT ROWID;

CREATE TABLE multipart_uploads (
  id              TEXT PRIMARY KEY,
  bucket_id       TEXT NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
  key             TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  content_type    TEXT NOT NULL DEFAULT '',
  headers_json    TEXT NOT NULL DEFAULT '{}',
  user_meta_json  TEXT NOT NULL DEFAULT '{}',
  checksum_algorithm TEXT,
  checksum_type   TEXT,
  initiated_at    INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX multipart_uploads_listing ON multipart_uploads(bucket_id, key, initiated_at);

CREATE TABLE multipart_parts (
  upload_id       TEXT NOT NULL REFERENCES multipart_uploads(id) ON DELETE CASCADE,
  part_number     INTEGER NOT NULL,
  blob_id         TEXT NOT NULL,
  size            INTEGER NOT NULL,
  etag            TEXT NOT NULL,
  checksum_json   TEXT,
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) STRICT, WITHOUT ROWID;

-- The durable outbox: every change writes its event here in the same transaction.
CREATE TABLE events (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  type            TEXT NOT NULL,
  account_id      TEXT,
  payload_json    TEXT NOT NULL,
  created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX events_account ON events(account_id, id);
