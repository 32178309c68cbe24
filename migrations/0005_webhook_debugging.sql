-- Webhooks people can debug: bucket and key-prefix filters, secret rotation (the previous
-- secret keeps signing until previous_until), and a delivery log (the request headers sent, the
-- first 4 KiB of the answer, latency) with test pings and manual redeliveries. A redelivery is
-- a new row for the same event, so the one-delivery-per-event rule becomes a unique index on
-- dispatched ('event') rows only; SQLite cannot alter a constraint, so the table is rebuilt.

ALTER TABLE webhooks ADD COLUMN bucket TEXT;
ALTER TABLE webhooks ADD COLUMN prefix TEXT;
ALTER TABLE webhooks ADD COLUMN previous_secret_enc TEXT;
ALTER TABLE webhooks ADD COLUMN previous_until INTEGER;

CREATE TABLE webhook_deliveries_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id        INTEGER NOT NULL,
  kind            TEXT NOT NULL DEFAULT 'event' CHECK (kind IN ('event', 'test', 'redelivery')),
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_status     INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  request_headers_json TEXT,                      -- the last attempt's request headers
  response_body   TEXT,                           -- the first 4 KiB of the last answer
  latency_ms      INTEGER                         -- the last attempt, until the answer's headers
) STRICT;
INSERT INTO webhook_deliveries_new (id, webhook_id, event_id, status, attempts, next_attempt_at, last_status, last_error, created_at, finished_at)
  SELECT id, webhook_id, event_id, status, attempts, next_attempt_at, last_status, last_error, created_at, finished_at FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries(webhook_id, event_id) WHERE kind = 'event';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(webhook_id, id);
