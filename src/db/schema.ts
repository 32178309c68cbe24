/**
 * The one description of every table, exactly as migrations/*.sql create it: columns, types,
 * nullability, defaults, keys, indexes (partial and unique ones included), foreign keys and
 * CHECK constraints. Repos query through it and their row types are inferred from it
 * (`$inferSelect`). The migrations stay the history that builds a database;
 * test/unit/schema.test.ts fails when the two differ, so a new migration comes with its change
 * here.
 *
 * Two things drizzle cannot say, pinned by that test instead: every table is STRICT, and
 * version_parts and multipart_parts are WITHOUT ROWID. Times are integer milliseconds since the
 * epoch (UTC); flags are INTEGER 0/1, read as booleans.
 */
import { sql } from 'drizzle-orm'
import { check, customType, index, integer, primaryKey, sqliteTable, text, unique, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** TEXT compared case-insensitively (ASCII), by its UNIQUE index too: e-mail addresses. */
const textNocase = customType<{ data: string; driverData: string }>({ dataType: () => 'text COLLATE NOCASE' })

export const plans = sqliteTable('plans', {
  name: text('name').primaryKey(),
  quotaBytes: integer('quota_bytes').notNull(),
  maxBuckets: integer('max_buckets').notNull().default(10),
  maxKeys: integer('max_keys').notNull().default(5),
  ratesJson: text('rates_json').notNull().default('{}'),
})

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  email: textNocase('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
  plan: text('plan'),
  quotaOverride: integer('quota_override'),
  status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
  passwordChangedAt: integer('password_changed_at').notNull(),
  createdAt: integer('created_at').notNull(),
}, (t) => [check('accounts_status', sql`${t.status} IN ('active', 'suspended')`)])

/**
 * Usage is kept exact in the same transaction as every change (see services). logical_bytes
 * counts every kept version and uploaded part; stored_bytes counts distinct blobs.
 */
export const accountUsage = sqliteTable('account_usage', {
  accountId: text('account_id').primaryKey().references(() => accounts.id, { onDelete: 'cascade' }),
  logicalBytes: integer('logical_bytes').notNull().default(0),
  storedBytes: integer('stored_bytes').notNull().default(0),
  objects: integer('objects').notNull().default(0),
  warnedPercent: integer('warned_percent').notNull().default(0),
})

export const accessKeys = sqliteTable('access_keys', {
  /** The access key id, "CS" + 18 characters. */
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  name: text('name').notNull().default(''),
  /** AES-256-GCM under the master key. */
  secretEnc: text('secret_enc').notNull(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
}, (t) => [index('access_keys_account').on(t.accountId)])

export const sessions = sqliteTable('sessions', {
  /** sha256 of the cookie value; the value itself is never stored. */
  idHash: text('id_hash').primaryKey(),
  accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  csrfToken: text('csrf_token').notNull(),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
}, (t) => [index('sessions_account').on(t.accountId)])

export const buckets = sqliteTable('buckets', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  region: text('region').notNull(),
  isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
  s3Versioning: text('s3_versioning', { enum: ['', 'Enabled', 'Suspended'] }).notNull().default(''),
  timeMachine: integer('time_machine', { mode: 'boolean' }).notNull().default(true),
  publicRead: integer('public_read', { mode: 'boolean' }).notNull().default(false),
  corsJson: text('cors_json'),
  retentionMaxVersions: integer('retention_max_versions'),
  retentionDays: integer('retention_days'),
  /** Logical bytes: versions and in-progress parts. */
  usageBytes: integer('usage_bytes').notNull().default(0),
  /** Current (listed) objects. */
  usageObjects: integer('usage_objects').notNull().default(0),
  createdAt: integer('created_at').notNull(),
}, (t) => [
  check('buckets_s3_versioning', sql`${t.s3Versioning} IN ('', 'Enabled', 'Suspended')`),
  index('buckets_account').on(t.accountId),
])

/**
 * Content blobs. A row is written in the transaction that first references the blob (a version
 * or a part); at refcount zero it is 'dead' and GC unlinks the file after a grace period.
 * Writes in progress live in tmp/ until then; a file in blobs/ without a row is an orphan of a
 * crash between rename and commit, removed by recovery.
 */
export const blobs = sqliteTable('blobs', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  size: integer('size').notNull().default(0),
  sha256: text('sha256'),
  md5: text('md5'),
  state: text('state', { enum: ['live', 'dead'] }).notNull(),
  refcount: integer('refcount').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  deadAt: integer('dead_at'),
}, (t) => [
  check('blobs_state', sql`${t.state} IN ('live', 'dead')`),
  index('blobs_dead').on(t.deadAt).where(sql`${t.state} = 'dead'`),
  index('blobs_dedup').on(t.accountId, t.sha256).where(sql`${t.state} = 'live'`),
])

/**
 * One row per key that has (or had) a history. `id` is the stable file id for the object's life.
 * The current version's listing fields are copied here so listings read one table.
 */
export const objects = sqliteTable('objects', {
  id: text('id').primaryKey(),
  bucketId: text('bucket_id').notNull().references(() => buckets.id, { onDelete: 'cascade' }),
  key: text('key').notNull(),
  /** NULL or a delete marker: not listed. */
  currentVersionId: text('current_version_id'),
  isLive: integer('is_live', { mode: 'boolean' }).notNull().default(false),
  size: integer('size').notNull().default(0),
  etag: text('etag').notNull().default(''),
  contentType: text('content_type').notNull().default(''),
  lastModified: integer('last_modified').notNull().default(0),
  nextVersionNumber: integer('next_version_number').notNull().default(1),
  createdAt: integer('created_at').notNull().default(0),
}, (t) => [
  unique().on(t.bucketId, t.key),
  // Keys compare as BINARY (memcmp over UTF-8), which is S3's listing order.
  index('objects_live').on(t.bucketId, t.key).where(sql`${t.isLive} = 1`),
])

export const objectVersions = sqliteTable('object_versions', {
  /** Opaque version id (a ULID: time-ordered). */
  id: text('id').primaryKey(),
  objectId: text('object_id').notNull().references(() => objects.id, { onDelete: 'cascade' }),
  bucketId: text('bucket_id').notNull(),
  key: text('key').notNull(),
  versionNumber: integer('version_number').notNull(),
  /** S3 sees the version id "null". */
  s3Null: integer('s3_null', { mode: 'boolean' }).notNull().default(true),
  /** Kept only by Time Machine, not an S3 version. */
  s3Hidden: integer('s3_hidden', { mode: 'boolean' }).notNull().default(false),
  isDeleteMarker: integer('is_delete_marker', { mode: 'boolean' }).notNull().default(false),
  /** Single-blob content; NULL for multipart objects and delete markers. */
  blobId: text('blob_id'),
  size: integer('size').notNull().default(0),
  etag: text('etag').notNull().default(''),
  partsCount: integer('parts_count').notNull().default(0),
  contentType: text('content_type').notNull().default(''),
  /** Content-Encoding/-Disposition/-Language, Cache-Control, Expires. */
  headersJson: text('headers_json').notNull().default('{}'),
  userMetaJson: text('user_meta_json').notNull().default('{}'),
  /** {algorithm, type, value} */
  checksumJson: text('checksum_json'),
  sha256: text('sha256'),
  createdAt: integer('created_at').notNull(),
  /** When a newer version or a delete superseded it. */
  noncurrentSince: integer('noncurrent_since'),
}, (t) => [
  unique().on(t.objectId, t.versionNumber),
  index('object_versions_listing').on(t.bucketId, t.key, sql`${t.versionNumber} DESC`),
  index('object_versions_history').on(t.noncurrentSince).where(sql`${t.s3Hidden} = 1`),
])

/** Parts of a multipart object, in order. Offsets let ranged GETs seek without summing. */
export const versionParts = sqliteTable('version_parts', {
  versionId: text('version_id').notNull().references(() => objectVersions.id, { onDelete: 'cascade' }),
  partNumber: integer('part_number').notNull(),
  blobId: text('blob_id').notNull(),
  offset: integer('offset').notNull(),
  size: integer('size').notNull(),
  etag: text('etag').notNull(),
  checksum: text('checksum'),
}, (t) => [primaryKey({ columns: [t.versionId, t.partNumber] })])

export const multipartUploads = sqliteTable('multipart_uploads', {
  id: text('id').primaryKey(),
  bucketId: text('bucket_id').notNull().references(() => buckets.id, { onDelete: 'cascade' }),
  key: text('key').notNull(),
  accountId: text('account_id').notNull(),
  contentType: text('content_type').notNull().default(''),
  headersJson: text('headers_json').notNull().default('{}'),
  userMetaJson: text('user_meta_json').notNull().default('{}'),
  checksumAlgorithm: text('checksum_algorithm'),
  checksumType: text('checksum_type'),
  initiatedAt: integer('initiated_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
}, (t) => [index('multipart_uploads_listing').on(t.bucketId, t.key, t.initiatedAt)])

export const multipartParts = sqliteTable('multipart_parts', {
  uploadId: text('upload_id').notNull().references(() => multipartUploads.id, { onDelete: 'cascade' }),
  partNumber: integer('part_number').notNull(),
  blobId: text('blob_id').notNull(),
  size: integer('size').notNull(),
  etag: text('etag').notNull(),
  checksumJson: text('checksum_json'),
  createdAt: integer('created_at').notNull(),
}, (t) => [primaryKey({ columns: [t.uploadId, t.partNumber] })])

/** The durable outbox: every change writes its event here in the same transaction. */
export const events = sqliteTable('events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  type: text('type').notNull(),
  accountId: text('account_id'),
  payloadJson: text('payload_json').notNull(),
  createdAt: integer('created_at').notNull(),
}, (t) => [index('events_account').on(t.accountId, t.id)])

/**
 * Webhook subscriptions. Deliveries are derived from the outbox (events) by a dispatcher that
 * advances a cursor (settings) in the same transaction as it inserts them, so a restart neither
 * loses nor duplicates a delivery.
 */
export const webhooks = sqliteTable('webhooks', {
  /** "wh_" + random */
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  /** ["object.created", …] */
  eventsJson: text('events_json').notNull(),
  /** The HMAC-SHA256 signing secret sealed under the master key (the webhook id as AAD). */
  secretEnc: text('secret_enc').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  disabledReason: text('disabled_reason'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  /** Only events of this bucket (NULL: every bucket, and events without one). */
  bucket: text('bucket'),
  /** Only events whose key starts with this (NULL: any key, and events without one). */
  prefix: text('prefix'),
  /** After a rotation: the secret before it, sealed like secret_enc; it also signs until previous_until. */
  previousSecretEnc: text('previous_secret_enc'),
  previousUntil: integer('previous_until'),
}, (t) => [index('webhooks_account').on(t.accountId)])

export const webhookDeliveries = sqliteTable('webhook_deliveries', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  webhookId: text('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
  eventId: integer('event_id').notNull(),
  /** 'event': dispatched from the outbox (once per event); 'test': a ping; 'redelivery': sent again by hand. */
  kind: text('kind', { enum: ['event', 'test', 'redelivery'] }).notNull().default('event'),
  status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: integer('next_attempt_at').notNull(),
  lastStatus: integer('last_status'),
  lastError: text('last_error'),
  createdAt: integer('created_at').notNull(),
  finishedAt: integer('finished_at'),
  /** The last attempt's request headers (JSON object). */
  requestHeadersJson: text('request_headers_json'),
  /** The first 4 KiB of the last answer's body. */
  responseBody: text('response_body'),
  /** The last attempt, from sending to the answer's headers. */
  latencyMs: integer('latency_ms'),
}, (t) => [
  check('webhook_deliveries_kind', sql`${t.kind} IN ('event', 'test', 'redelivery')`),
  check('webhook_deliveries_status', sql`${t.status} IN ('pending', 'delivered', 'failed')`),
  uniqueIndex('webhook_deliveries_event').on(t.webhookId, t.eventId).where(sql`${t.kind} = 'event'`),
  index('webhook_deliveries_due').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
  index('webhook_deliveries_log').on(t.webhookId, t.id),
])

/** Small durable settings, e.g. the webhook dispatcher's outbox cursor. */
export const settings = sqliteTable('settings', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
})

/**
 * Share links. Only the token's SHA-256 finds a link (a database leak does not leak links); the
 * token is also kept sealed under the master key (the share id as associated data) so its owner
 * can copy the URL again. Account and bucket deletion cascade; deleting the object ends a share
 * (ended_at). `reserved` counts downloads in progress that hold one of max_downloads' slots.
 */
export const shares = sqliteTable('shares', {
  /** "sh_" + random */
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  bucketId: text('bucket_id').notNull().references(() => buckets.id, { onDelete: 'cascade' }),
  /** The object key, or the prefix (ends with '/'). */
  key: text('key').notNull(),
  isPrefix: integer('is_prefix', { mode: 'boolean' }).notNull().default(false),
  /** A pinned version; NULL follows the key's current version. */
  versionId: text('version_id'),
  tokenHash: text('token_hash').notNull().unique(),
  tokenEnc: text('token_enc').notNull(),
  /** argon2id */
  passwordHash: text('password_hash'),
  expiresAt: integer('expires_at'),
  maxDownloads: integer('max_downloads'),
  downloads: integer('downloads').notNull().default(0),
  reserved: integer('reserved').notNull().default(0),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
  endedAt: integer('ended_at'),
}, (t) => [
  index('shares_account').on(t.accountId, t.createdAt),
  index('shares_key').on(t.bucketId, t.key),
])
