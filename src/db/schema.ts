/** Drizzle table definitions mirroring migrations/*.sql (the SQL files are the schema's truth). */
import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core'

export const plans = sqliteTable('plans', {
  name: text('name').primaryKey(),
  quotaBytes: integer('quota_bytes').notNull(),
  maxBuckets: integer('max_buckets').notNull(),
  maxKeys: integer('max_keys').notNull(),
  ratesJson: text('rates_json').notNull(),
})

export const accounts = sqliteTable('accounts', {
  id: text('id').primaryKey(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  isAdmin: integer('is_admin', { mode: 'boolean' }).notNull(),
  plan: text('plan'),
  quotaOverride: integer('quota_override'),
  status: text('status', { enum: ['active', 'suspended'] }).notNull(),
  passwordChangedAt: integer('password_changed_at').notNull(),
  createdAt: integer('created_at').notNull(),
})

export const accountUsage = sqliteTable('account_usage', {
  accountId: text('account_id').primaryKey(),
  logicalBytes: integer('logical_bytes').notNull(),
  storedBytes: integer('stored_bytes').notNull(),
  objects: integer('objects').notNull(),
  warnedPercent: integer('warned_percent').notNull(),
})

export const accessKeys = sqliteTable('access_keys', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  name: text('name').notNull(),
  secretEnc: text('secret_enc').notNull(),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
})

export const sessions = sqliteTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  accountId: text('account_id').notNull(),
  csrfToken: text('csrf_token').notNull(),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
})

export const buckets = sqliteTable('buckets', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  accountId: text('account_id').notNull(),
  region: text('region').notNull(),
  isDefault: integer('is_default', { mode: 'boolean' }).notNull(),
  s3Versioning: text('s3_versioning', { enum: ['', 'Enabled', 'Suspended'] }).notNull(),
  timeMachine: integer('time_machine', { mode: 'boolean' }).notNull(),
  publicRead: integer('public_read', { mode: 'boolean' }).notNull(),
  corsJson: text('cors_json'),
  retentionMaxVersions: integer('retention_max_versions'),
  retentionDays: integer('retention_days'),
  usageBytes: integer('usage_bytes').notNull(),
  usageObjects: integer('usage_objects').notNull(),
  createdAt: integer('created_at').notNull(),
})

export const blobs = sqliteTable('blobs', {
  id: text('id').primaryKey(),
  accountId: text('account_id').notNull(),
  size: integer('size').notNull(),
  sha256: text('sha256'),
  md5: text('md5'),
  state: text('state', { enum: ['live', 'dead'] }).notNull(),
  refcount: integer('refcount').notNull(),
  createdAt: integer('created_at').notNull(),
  deadAt: integer('dead_at'),
})

export const objects = sqliteTable('objects', {
  id: text('id').primaryKey(),
  bucketId: text('bucket_id').notNull(),
  key: text('key').notNull(),
  currentVersionId: text('current_version_id'),
  isLive: integer('is_live', { mode: 'boolean' }).notNull(),
  size: integer('size').notNull(),
  etag: text('etag').notNull(),
  contentType: text('content_type').notNull(),
  lastModified: integer('last_modified').notNull(),
  nextVersionNumber: integer('next_version_number').notNull(),
  createdAt: integer('created_at').notNull(),
})

export const objectVersions = sqliteTable('object_versions', {
  id: text('id').primaryKey(),
  objectId: text('object_id').notNull(),
  bucketId: text('bucket_id').notNull(),
  key: text('key').notNull(),
  versionNumber: integer('version_number').notNull(),
  s3Null: integer('s3_null', { mode: 'boolean' }).notNull(),
  s3Hidden: integer('s3_hidden', { mode: 'boolean' }).notNull(),
  isDeleteMarker: integer('is_delete_marker', { mode: 'boolean' }).notNull(),
  blobId: text('blob_id'),
  size: integer('size').notNull(),
  etag: text('etag').notNull(),
  partsCount: integer('parts_count').notNull(),
  contentType: text('content_type').notNull(),
  headersJson: text('headers_json').notNull(),
  userMetaJson: text('user_meta_json').notNull(),
  checksumJson: text('checksum_json'),
  sha256: text('sha256'),
  createdAt: integer('created_at').notNull(),
  noncurrentSince: integer('noncurrent_since'),
})

export const versionParts = sqliteTable('version_parts', {
  versionId: text('version_id').notNull(),
  partNumber: integer('part_number').notNull(),
  blobId: text('blob_id').notNull(),
  offset: integer('offset').notNull(),
  size: integer('size').notNull(),
  etag: text('etag').notNull(),
  checksum: text('checksum'),
}, (t) => [primaryKey({ columns: [t.versionId, t.partNumber] })])

export const multipartUploads = sqliteTable('multipart_uploads', {
  id: text('id').primaryKey(),
  bucketId: text('bucket_id').notNull(),
  key: text('key').notNull(),
  accountId: text('account_id').notNull(),
  contentType: text('content_type').notNull(),
  headersJson: text('headers_json').notNull(),
  userMetaJson: text('user_meta_json').notNull(),
  checksumAlgorithm: text('checksum_algorithm'),
  checksumType: text('checksum_type'),
  initiatedAt: integer('initiated_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

export const multipartParts = sqliteTable('multipart_parts', {
  uploadId: text('upload_id').notNull(),
  partNumber: integer('part_number').notNull(),
  blobId: text('blob_id').notNull(),
  size: integer('size').notNull(),
  etag: text('etag').notNull(),
  checksumJson: text('checksum_json'),
  createdAt: integer('created_at').notNull(),
}, (t) => [primaryKey({ columns: [t.uploadId, t.partNumber] })])

export const events = sqliteTable('events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  type: text('type').notNull(),
  accountId: text('account_id'),
  payloadJson: text('payload_json').notNull(),
  createdAt: integer('created_at').notNull(),
})
