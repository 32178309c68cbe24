-- Webhooks: subscriptions and their deliveries. Deliveries are derived from the durable outbox
-- (events) by a dispatcher that advances a cursor in the same transaction as it inserts them,
-- so a restart neither loses nor duplicates a delivery.

CREATE TABLE webhooks (
  id              TEXT PRIMARY KEY,               -- "wh_" + random
  account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  url             TEXT NOT NULL,
  events_json     TEXT NOT NULL,                  -- ["object.created", …]
  secret          TEXT NOT NULL,                  -- HMAC-SHA256 key shown to its owner
  active          INTEGER NOT NULL DEFAULT 1,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  disabled_reason TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX webhooks_account ON webhooks(account_id);

CREATE TABLE webhook_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id        INTEGER NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';

-- Small durable settings, e.g. the dispatcher's outbox cursor.
CREATE TABLE settings (
  name            TEXT PRIMARY KEY,
  value           TEXT NOT NULL
) STRICT;
