-- Webhook signing secrets are sealed under the master key ("v1:" AES-256-GCM envelope, the
-- webhook id as associated data), like access-key secrets. SQL cannot encrypt: this renames the
-- column, and the server seals any clear-text secret an older version left in it when it starts
-- (sealClearWebhookSecrets in src/services/webhooks/webhooks.ts, after the migrations).
ALTER TABLE webhooks RENAME COLUMN secret TO secret_enc;
