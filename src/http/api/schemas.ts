import { t, type TSchema } from 'elysia'

type TProperties = Parameters<typeof t.Object>[0]

/**
 * Building blocks of the HTTP API's declarations. Each route declares its params, query, body
 * and answers once (validation, the OpenAPI document and the typed client come from them).
 */

/** A JSON object with exactly these fields: any other is a 400 naming it. */
export const obj = <P extends TProperties>(properties: P, description?: string) =>
  t.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) })

/** Query parameters: the declared ones are checked, others (cache busters) are ignored. */
export const query = <P extends TProperties>(properties: P) => t.Object(properties, { additionalProperties: true })

/**
 * A JSON integer. Elysia's t.Integer also accepts "5" (it is meant for query strings); bodies and
 * answers are JSON, where a number is a number.
 */
export const int = (options: Parameters<typeof t.Number>[0] = {}) => t.Number({ ...options, multipleOf: 1 })
export const opt = <T extends TSchema>(s: T) => t.Optional(s)
export const nullable = <T extends TSchema>(s: T) => t.Union([s, t.Null()])
export const iso = (description = 'ISO 8601 time') => t.String({ description })

export const Success = obj({ success: t.Boolean() })

export const ErrorBody = obj({
  error: t.Object({
    code: t.String({ description: 'The error catalog code, e.g. ValidationError, NoSuchBucket' }),
    message: t.String(),
    requestId: t.String({ description: 'Also in the X-Request-Id header' }),
    details: t.Optional(t.Record(t.String(), t.Union([t.String(), t.Number()]))),
  }),
}, 'Every error: {"error":{"code","message","requestId"}}')

export const Usage = obj({ bytes: int(), storedBytes: int(), objects: int() })

export const Account = obj({
  id: t.String(), email: t.String(), isAdmin: t.Boolean(), status: t.Union([t.Literal('active'), t.Literal('suspended')]),
  plan: t.String(), quotaBytes: int(), usage: Usage, createdAt: iso(),
})

export const Key = obj({ id: t.String(), accessKey: t.String(), name: t.String(), createdAt: iso(), lastUsedAt: nullable(iso()) })

export const CorsRule = obj({
  id: opt(t.String()),
  allowedOrigins: t.Array(t.String()),
  allowedMethods: t.Array(t.String()),
  allowedHeaders: opt(t.Array(t.String())),
  exposeHeaders: opt(t.Array(t.String())),
  maxAgeSeconds: opt(t.Number()),
})

export const Bucket = obj({
  name: t.String(), createdAt: iso(), isDefault: t.Boolean(), region: t.String(),
  versioning: t.Union([t.Literal(''), t.Literal('Enabled'), t.Literal('Suspended')], { description: "S3 versioning state ('' when never enabled)" }),
  timeMachine: t.Boolean(), publicRead: t.Boolean(),
  retention: obj({ maxVersions: nullable(int()), maxAgeDays: nullable(int()) }, 'Time Machine retention; null is the appliance default'),
  usage: obj({
    bytes: int({ description: 'Logical bytes: every kept version and in-progress upload part' }),
    storedBytes: int({ description: "Bytes of the distinct blobs on disk (deduplicated per account: a blob shared with another bucket counts in both)" }),
    objects: int({ description: 'Listed (current) objects' }),
  }),
})

export const BucketWithCors = obj({ ...Bucket.properties, cors: nullable(t.Array(CorsRule)) })

export const Webhook = obj({
  id: t.String(), url: t.String(), events: t.Array(t.String()), active: t.Boolean(), consecutiveFailures: int(),
  disabledReason: nullable(t.String()), createdAt: iso(),
  bucket: nullable(t.String({ description: 'Only events of this bucket' })),
  prefix: nullable(t.String({ description: 'Only events whose key starts with this' })),
  previousSecretExpiresAt: nullable(iso('After a rotation: until when the previous secret also signs (both signatures are sent)')),
})

/** One delivery in a webhook's log: what was sent and what came back. */
export const WebhookDelivery = obj({
  id: int(), eventId: int(), event: t.String({ description: "The event type ('ping' for tests)" }),
  kind: t.Union([t.Literal('event'), t.Literal('test'), t.Literal('redelivery')]),
  messageId: t.String({ description: 'The webhook-id header: the same for every attempt and redelivery of the event' }),
  status: t.Union([t.Literal('pending'), t.Literal('delivered'), t.Literal('failed')]), attempts: int(),
  lastStatus: nullable(int({ description: 'HTTP status of the last attempt' })), lastError: nullable(t.String()),
  responseStatus: nullable(int({ description: 'HTTP status of the last attempt (as lastStatus)' })),
  error: nullable(t.String({ description: 'Why the last attempt failed (as lastError)' })),
  requestHeaders: nullable(t.Record(t.String(), t.String(), { description: 'The headers of the last attempt, signatures included' })),
  responseBody: nullable(t.String({ description: 'The first 4 KiB of the last answer' })),
  latencyMs: nullable(int({ description: 'The last attempt, until the answer\'s headers' })),
  createdAt: iso(), finishedAt: nullable(iso()), nextAttemptAt: nullable(iso('The next retry, while pending')),
})

/** A share link (the token is the secret part of the URL). */
export const Share = obj({
  id: t.String(), url: t.String({ description: 'The public link: {public URL}/s/{token}' }), token: t.String(),
  bucket: t.String(), key: t.String({ description: "The object key, or a prefix ending in '/'" }),
  versionId: nullable(t.String({ description: 'The pinned version; null follows the current one' })),
  prefix: t.Boolean({ description: 'A prefix share: lists and serves the files under the key' }),
  expiresAt: nullable(iso()), maxDownloads: nullable(int()), downloads: int({ description: 'Completed downloads' }),
  hasPassword: t.Boolean(), createdAt: iso(), revokedAt: nullable(iso()),
  status: t.Union([t.Literal('active'), t.Literal('expired'), t.Literal('revoked'), t.Literal('exhausted'), t.Literal('ended')], { description: "'ended': the shared object (or version) was deleted" }),
})

export const Version = obj({ versionId: t.String(), versionNumber: int(), size: int(), createdAt: iso(), isCurrent: t.Boolean() })

/** A stored file as the REST API answers an upload. */
export const FileInfo = obj({ id: t.String(), key: t.String(), bucket: t.String(), size: int(), contentType: t.String(), createdAt: iso() })

/** A page of a listing: `cursor` from the previous page's nextCursor. */
export const pageQuery = {
  prefix: opt(t.String({ description: 'Only keys that start with this' })),
  limit: opt(t.Integer({ minimum: 1, maximum: 1000, default: 100, error: 'limit must be an integer from 1 to 1000.' })),
  cursor: opt(t.String({ description: "The previous page's nextCursor" })),
}

/** A file download (or its metadata as JSON with ?meta=true). */
export const Binary = t.String({ format: 'binary', description: 'The bytes' })
