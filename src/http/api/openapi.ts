import { VERSION } from '../../version'

type Schema = Record<string, unknown>
const str = { type: 'string' }
const int = { type: 'integer' }
const bool = { type: 'boolean' }
const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, ...(required.length ? { required } : {}) })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

interface Op {
  method: 'get' | 'post' | 'patch' | 'delete'
  path: string
  summary: string
  security: Array<'session' | 'apiKey' | 'bearerKey' | 'adminToken'> | null
  body?: Schema | 'multipart' | 'binary'
  response?: Schema | 'binary'
  params?: Array<{ name: string; in: 'query' | 'path'; schema: Schema; description?: string }>
  status?: number
}

const DASH: Op['security'] = ['session', 'apiKey', 'bearerKey']
const REST: Op['security'] = ['apiKey', 'bearerKey']
const ADMIN: Op['security'] = ['session', 'apiKey', 'bearerKey', 'adminToken']
const name = { name: 'name', in: 'path' as const, schema: str }
const id = { name: 'id', in: 'path' as const, schema: str }

const OPS: Op[] = [
  { method: 'post', path: '/api/auth/signup', summary: 'Create an account (when sign-up is open): first key pair, default bucket, session cookie', security: null, body: obj({ email: str, password: str }, ['email', 'password']), status: 201, response: obj({ account: obj({ id: str, email: str, createdAt: str }), accessKey: str, secretKey: str, bucket: str, csrfToken: str }) },
  { method: 'post', path: '/api/auth/login', summary: 'Log in; sets the session cookie', security: null, body: obj({ email: str, password: str }, ['email', 'password']), response: obj({ account: obj({ id: str, email: str, isAdmin: bool }), csrfToken: str }) },
  { method: 'post', path: '/api/auth/logout', summary: 'Log out (revokes the session)', security: DASH, response: ref('Success') },
  { method: 'post', path: '/api/auth/password', summary: 'Change the password (revokes every session)', security: DASH, body: obj({ currentPassword: str, newPassword: str }, ['currentPassword', 'newPassword']), response: ref('Success') },
  { method: 'get', path: '/api/me', summary: 'The account, plan, quota, usage and limits', security: DASH, response: obj({ account: obj({}), plan: obj({}), quota: obj({}), usage: obj({}), limits: obj({}) }) },
  { method: 'get', path: '/api/keys', summary: 'List access keys (never secrets)', security: DASH, response: obj({ keys: { type: 'array', items: ref('Key') } }) },
  { method: 'post', path: '/api/keys', summary: 'Create an access key (secret shown once; at most 5)', security: DASH, body: obj({ name: str }), status: 201, response: obj({ id: str, accessKey: str, secretKey: str, name: str, createdAt: str }) },
  { method: 'delete', path: '/api/keys', summary: 'Revoke an access key', security: DASH, params: [{ name: 'id', in: 'query', schema: str, description: 'the access key id' }], response: ref('Success') },
  { method: 'get', path: '/api/buckets', summary: 'List buckets with usage', security: DASH, response: obj({ buckets: { type: 'array', items: ref('Bucket') } }) },
  { method: 'post', path: '/api/buckets', summary: 'Create a bucket (S3 naming rules, 10 per account)', security: DASH, body: obj({ name: str }, ['name']), status: 201, response: ref('Bucket') },
  { method: 'get', path: '/api/buckets/{name}', summary: 'A bucket with its settings', security: DASH, params: [name], response: ref('Bucket') },
  { method: 'patch', path: '/api/buckets/{name}', summary: 'Settings: versioning (Time Machine), publicRead, cors, retention', security: DASH, params: [name], body: obj({ versioning: bool, publicRead: bool, retention: obj({ maxVersions: int, maxAgeDays: int }), cors: { type: 'array', nullable: true, items: obj({ allowedOrigins: { type: 'array', items: str }, allowedMethods: { type: 'array', items: str }, allowedHeaders: { type: 'array', items: str }, exposeHeaders: { type: 'array', items: str }, maxAgeSeconds: int }) } }), response: ref('Bucket') },
  { method: 'delete', path: '/api/buckets/{name}', summary: 'Delete a bucket (409 BucketNotEmpty unless force=true)', security: DASH, params: [name, { name: 'force', in: 'query', schema: bool }], response: ref('Success') },
  { method: 'post', path: '/api/v1/files', summary: 'Upload a file: multipart form (file, bucket, key) or raw body (?bucket=&key= or X-File-Name)', security: REST, body: 'multipart', status: 201, response: ref('File') },
  { method: 'get', path: '/api/v1/files', summary: 'List files', security: REST, params: [{ name: 'prefix', in: 'query', schema: str }, { name: 'limit', in: 'query', schema: { ...int, minimum: 1, maximum: 1000, default: 100 } }, { name: 'bucket', in: 'query', schema: { ...str, default: 'default' } }, { name: 'cursor', in: 'query', schema: str }], response: obj({ files: { type: 'array', items: obj({ id: str, key: str, size: int, contentType: str, updatedAt: str }) }, hasMore: bool, nextCursor: { type: 'string', nullable: true } }) },
  { method: 'get', path: '/api/v1/files/{id}', summary: 'Download a file (Range, ETag/304); ?meta=true for metadata JSON', security: REST, params: [id, { name: 'meta', in: 'query', schema: bool }], response: 'binary' },
  { method: 'delete', path: '/api/v1/files/{id}', summary: 'Delete a file', security: REST, params: [id], response: ref('Success') },
  { method: 'post', path: '/api/versions', summary: 'Upload a new version (multipart: file, bucket, key)', security: DASH, body: 'multipart', status: 201, response: obj({ versionId: str, key: str, bucket: str, size: int, versionNumber: int, createdAt: str }) },
  { method: 'get', path: '/api/versions', summary: 'With bucket: versioned files in the bucket; with bucket and key: the versions of a file, newest first', security: DASH, params: [{ name: 'bucket', in: 'query', schema: str }, { name: 'key', in: 'query', schema: str }, { name: 'prefix', in: 'query', schema: str }, { name: 'limit', in: 'query', schema: int }, { name: 'cursor', in: 'query', schema: str }], response: obj({ versions: { type: 'array', items: ref('Version') } }) },
  { method: 'patch', path: '/api/versions', summary: 'Restore a version (it becomes a new current version)', security: DASH, body: obj({ versionId: str }, ['versionId']), response: obj({ success: bool, restoredVersion: str, newVersionNumber: int }) },
  { method: 'delete', path: '/api/versions', summary: 'Purge history (every non-current version) of a file (key) or a whole bucket', security: DASH, params: [{ name: 'bucket', in: 'query', schema: str }, { name: 'key', in: 'query', schema: str }], response: obj({ success: bool, removedVersions: int, freedBytes: int }) },
  { method: 'get', path: '/api/versions/deleted', summary: 'Deleted files that can be restored', security: DASH, params: [{ name: 'bucket', in: 'query', schema: str }, { name: 'prefix', in: 'query', schema: str }, { name: 'limit', in: 'query', schema: int }, { name: 'cursor', in: 'query', schema: str }], response: obj({ files: { type: 'array', items: obj({ id: str, key: str, versions: int, deletedAt: str }) }, hasMore: bool, nextCursor: str }) },
  { method: 'post', path: '/api/versions/undelete', summary: 'Undelete a file (its newest kept content becomes current)', security: DASH, body: obj({ bucket: str, key: str }, ['key']), response: obj({ success: bool, versionId: str, versionNumber: int }) },
  { method: 'get', path: '/api/versions/compare', summary: 'Compare two versions: unified diff for text, metadata otherwise', security: DASH, params: [{ name: 'from', in: 'query', schema: str }, { name: 'to', in: 'query', schema: str }], response: obj({ kind: { type: 'string', enum: ['diff', 'metadata'] }, diff: str, identical: bool }) },
  { method: 'get', path: '/api/versions/{versionId}', summary: 'Download a version (?meta=true for JSON)', security: DASH, params: [{ name: 'versionId', in: 'path', schema: str }, { name: 'meta', in: 'query', schema: bool }], response: 'binary' },
  { method: 'delete', path: '/api/versions/{versionId}', summary: 'Permanently delete a non-current version', security: DASH, params: [{ name: 'versionId', in: 'path', schema: str }], response: obj({ success: bool, freedBytes: int }) },
  { method: 'post', path: '/api/webhooks', summary: 'Create a webhook (the signing secret is shown once)', security: DASH, body: obj({ url: str, events: { type: 'array', items: str } }, ['url', 'events']), status: 201, response: obj({ id: str, url: str, events: { type: 'array', items: str }, secret: str, active: bool, createdAt: str }) },
  { method: 'get', path: '/api/webhooks', summary: 'List webhooks', security: DASH, response: obj({ webhooks: { type: 'array', items: ref('Webhook') } }) },
  { method: 'patch', path: '/api/webhooks', summary: 'Update a webhook (toggle active, change events or url)', security: DASH, body: obj({ id: str, url: str, events: { type: 'array', items: str }, active: bool }, ['id']), response: ref('Webhook') },
  { method: 'delete', path: '/api/webhooks', summary: 'Delete a webhook', security: DASH, params: [{ name: 'id', in: 'query', schema: str }], response: ref('Success') },
  { method: 'get', path: '/api/webhooks/{id}/deliveries', summary: 'Recent deliveries of a webhook', security: DASH, params: [id], response: obj({ deliveries: { type: 'array', items: obj({ id: int, eventId: int, status: str, attempts: int, lastStatus: int, lastError: str, createdAt: str, finishedAt: str }) } }) },
  { method: 'get', path: '/api/img/{bucket}/{path}', summary: 'Transform an image: w, h, fit, format, q, blur, sharpen, rotate, gravity, dpr', security: null, params: [{ name: 'bucket', in: 'path', schema: str }, { name: 'path', in: 'path', schema: str }, { name: 'w', in: 'query', schema: int }, { name: 'h', in: 'query', schema: int }, { name: 'fit', in: 'query', schema: { type: 'string', enum: ['fit', 'fill', 'cover', 'contain', 'crop', 'pad'] } }, { name: 'format', in: 'query', schema: { type: 'string', enum: ['webp', 'avif', 'jpeg', 'png'] } }, { name: 'q', in: 'query', schema: int }, { name: 'gravity', in: 'query', schema: { type: 'string', enum: ['ce', 'sm', 'no', 'so', 'ea', 'we'] } }], response: 'binary' },
  { method: 'get', path: '/api/admin/overview', summary: 'Appliance totals and request counters (admin)', security: ADMIN, response: obj({}) },
  { method: 'get', path: '/api/admin/accounts', summary: 'List accounts with usage and quota (admin)', security: ADMIN, response: obj({ accounts: { type: 'array', items: ref('Account') } }) },
  { method: 'post', path: '/api/admin/accounts', summary: 'Create an account (admin)', security: ADMIN, body: obj({ email: str, password: str, isAdmin: bool, plan: str, quota: { oneOf: [str, int] } }, ['email', 'password']), status: 201, response: obj({ account: ref('Account'), accessKey: str, secretKey: str, bucket: str }) },
  { method: 'get', path: '/api/admin/accounts/{id}', summary: 'One account (admin); usage.reservedBytes: bytes reserved by uploads in progress', security: ADMIN, params: [id], response: ref('Account') },
  { method: 'patch', path: '/api/admin/accounts/{id}', summary: 'Suspend/activate, set plan or quota, admin flag (admin)', security: ADMIN, params: [id], body: obj({ status: { type: 'string', enum: ['active', 'suspended'] }, plan: str, quota: { oneOf: [str, int], nullable: true }, isAdmin: bool }), response: ref('Account') },
  { method: 'delete', path: '/api/admin/accounts/{id}', summary: 'Delete an account with all its data (admin)', security: ADMIN, params: [id], response: ref('Success') },
]

const SCHEMAS: Record<string, Schema> = {
  Error: obj({ error: obj({ code: str, message: str, requestId: str }, ['code', 'message', 'requestId']) }, ['error']),
  Success: obj({ success: bool }, ['success']),
  Key: obj({ id: str, accessKey: str, name: str, createdAt: str, lastUsedAt: { type: 'string', nullable: true } }),
  Bucket: obj({ name: str, createdAt: str, isDefault: bool, region: str, versioning: str, timeMachine: bool, publicRead: bool, usage: obj({ bytes: int, objects: int }) }),
  File: obj({ id: str, key: str, bucket: str, size: int, contentType: str, createdAt: str }, ['id', 'key', 'bucket', 'size', 'contentType', 'createdAt']),
  Webhook: obj({ id: str, url: str, events: { type: 'array', items: str }, active: bool, consecutiveFailures: int, disabledReason: { type: 'string', nullable: true }, createdAt: str }),
  Version: obj({ versionId: str, versionNumber: int, size: int, createdAt: str, isCurrent: bool }),
  Account: obj({ id: str, email: str, isAdmin: bool, status: str, plan: str, quotaBytes: int, usage: obj({ bytes: int, storedBytes: int, objects: int, reservedBytes: int }), createdAt: str }),
}

function operation(op: Op) {
  const content = (s: Schema | 'binary' | 'multipart') =>
    s === 'binary' ? { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }
      : s === 'multipart' ? {
        'multipart/form-data': { schema: obj({ file: { type: 'string', format: 'binary' }, bucket: str, key: str }, ['file']) },
        'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
      }
      : { 'application/json': { schema: s } }
  return {
    summary: op.summary,
    ...(op.security ? { security: op.security.map((s) => ({ [s]: [] })) } : { security: [] }),
    ...(op.params ? { parameters: op.params.map((p) => ({ ...p, required: p.in === 'path' })) } : {}),
    ...(op.body ? { requestBody: { required: true, content: content(op.body) } } : {}),
    responses: {
      [String(op.status ?? 200)]: { description: 'OK', ...(op.response ? { content: content(op.response) } : {}) },
      default: { description: 'Error', content: { 'application/json': { schema: ref('Error') } } },
    },
  }
}

/** The OpenAPI 3.0 document for the REST and dashboard API. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of OPS) (paths[op.path] ??= {})[op.method] = operation(op)
  return {
    openapi: '3.0.3',
    info: { title: 'CloudStorage REST and dashboard API', version: VERSION, description: 'JSON API on the HTTP port. Errors: {"error":{"code","message","requestId"}}. The S3 API is on the S3 port.' },
    paths,
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'session', description: 'Browser session; writes from browsers need X-CSRF-Token.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'ACCESS_KEY:SECRET_KEY' },
        bearerKey: { type: 'http', scheme: 'bearer', description: 'ACCESS_KEY:SECRET_KEY' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The local admin token from <data>/admin.token' },
      },
    },
  }
}

/** A self-contained docs page (no CDN: the appliance works offline). */
export function openApiHtml(): string {
  const doc = openApiDocument()
  const rows = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([m, op]) => `<tr><td><code>${m.toUpperCase()}</code></td><td><code>${path}</code></td><td>${(op as { summary: string }).summary.replace(/</g, '&lt;')}</td></tr>`))
  return `<!doctype html><html><head><meta charset="utf-8"><title>CloudStorage API</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}td{padding:.3rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}</style></head>
<body><h1>CloudStorage API ${VERSION}</h1><p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3). Errors are <code>{"error":{"code","message","requestId"}}</code>.</p>
<table>${rows.join('')}</table></body></html>`
}
