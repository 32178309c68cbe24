import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { stageUpload } from '../rest/staged-upload'
import type { ApiCall, ApiPlugin } from './route'
import { queryParam } from './validate'
import { checkApiKey } from '../../domain/object-key'
import { Binary, int, iso, nullable, obj, opt, pageQuery, query, Version } from './schemas'

const isoOf = (ms: number) => new Date(ms).toISOString()

/** The listing position a cursor stands for ('' without one); a cursor we did not issue is a 400. */
export function cursorPosition(cursor: string | undefined): string {
  if (!cursor) return ''
  const after = Buffer.from(cursor, 'base64url').toString('utf8')
  if (Buffer.from(after, 'utf8').toString('base64url') !== cursor) throw new AppError('ValidationError', { message: 'The cursor is not valid.' })
  return after
}

export const nextCursor = (r: { hasMore: boolean; last: string | null }) => (r.hasMore && r.last !== null ? Buffer.from(r.last, 'utf8').toString('base64url') : null)

const page = (q: { prefix?: string; limit?: number; cursor?: string }) => ({ prefix: q.prefix ?? '', after: cursorPosition(q.cursor), limit: q.limit ?? 100 })

/** ?key=, strictly decoded and valid by the one key rule (null when absent). */
export function keyParam(call: ApiCall): string | null {
  const key = queryParam(call.url, 'key')
  return key === null ? null : checkApiKey(key)
}

/** Required and non-empty, as the API has always said it. */
const required = (name: string, description: string) => t.String({ minLength: 1, description, error: `The query parameter '${name}' is required.` })
const bucketParam = required('bucket', 'The bucket')
const keyQuery = opt(t.String({ description: 'The file (object key)' }))
const VersionMeta = obj({
  versionId: t.String(), versionNumber: int(), key: t.String(), bucket: t.String(), size: int(), contentType: t.String(),
  etag: t.String(), createdAt: iso(), isCurrent: t.Boolean(),
})
const CompareSide = obj({
  versionId: t.String(), versionNumber: int(), size: int(), etag: t.String(), sha256: nullable(t.String()), contentType: t.String(),
  createdAt: iso(), metadata: t.Record(t.String(), t.String()),
})
const compareBase = { key: t.String(), from: CompareSide, to: CompareSide, identical: t.Boolean() }
const versionId = t.Object({ versionId: t.String({ description: 'A version id' }) })
const tags = ['Time Machine (versions)']

/** Time Machine: /api/versions (session cookie or API key). */
export function versionRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  return new Elysia().use(api)
    // Upload a new version: the same streaming upload as the REST API, answered in version terms.
    .post('/api/versions', async ({ call, status }) => {
      const up = await stageUpload(call)
      try {
        const bucket = up.bucket()
        const r = ctx.services.objects.commitStaged(up.staged, { bucket, key: up.key, meta: { contentType: up.contentType, headers: {}, userMeta: {} } })
        return status(201, { versionId: r.version.id, key: up.key, bucket: bucket.name, size: r.version.size, versionNumber: r.version.versionNumber, createdAt: isoOf(r.version.createdAt) })
      } catch (e) {
        ctx.services.objects.discardStaged(up.staged)
        throw e
      }
    }, {
      api: { surface: 'dashboard', operation: 'UploadVersion', auth: 'dashboard', upload: true },
      // The body streams to disk as it arrives (form or raw); Elysia never reads it.
      parse: 'none',
      query: query({ bucket: opt(t.String({ description: 'Target bucket (default: the default bucket); or a form field' })), key: keyQuery }),
      response: { 201: obj({ versionId: t.String(), key: t.String(), bucket: t.String(), size: int(), versionNumber: int(), createdAt: iso() }) },
      detail: { summary: 'Upload a new version (multipart form: file, bucket, key; or a raw body with ?bucket=&key= or X-File-Name)', tags },
    })
    .get('/api/versions', ({ call, query }) => {
      const bucket = ctx.services.files.bucket(call.who().accountId, query.bucket)
      const key = keyParam(call)
      if (key !== null) return { bucket: bucket.name, key, versions: ctx.services.versions.history(bucket, key) }
      const res = ctx.services.versions.versionedFiles(bucket, page(query))
      return { bucket: bucket.name, files: res.files, hasMore: res.hasMore, nextCursor: nextCursor(res) }
    }, {
      api: { surface: 'dashboard', operation: 'ListVersions', auth: 'dashboard' },
      query: query({ bucket: bucketParam, key: keyQuery, ...pageQuery }),
      response: {
        200: t.Union([
          obj({ bucket: t.String(), key: t.String(), versions: t.Array(Version) }, 'With key: the versions of the file, newest first'),
          obj({
            bucket: t.String(),
            files: t.Array(obj({ id: t.String(), key: t.String(), versions: int(), deleted: t.Boolean(), updatedAt: iso() })),
            hasMore: t.Boolean(), nextCursor: nullable(t.String()),
          }, 'Without key: the files of the bucket that have versions'),
        ]),
      },
      detail: { summary: 'With bucket: versioned files in the bucket; with bucket and key: the versions of a file, newest first', tags },
    })
    .patch('/api/versions', ({ call, body }) => {
      const res = ctx.services.versions.restore(call.who().accountId, body.versionId)
      return { success: res.success, restoredVersion: res.restoredVersion, newVersionNumber: res.newVersionNumber }
    }, {
      api: { surface: 'dashboard', operation: 'RestoreVersion', auth: 'dashboard', json: true },
      body: obj({ versionId: t.String({ description: 'The version to make current again' }) }),
      response: { 200: obj({ success: t.Boolean(), restoredVersion: t.String(), newVersionNumber: int() }) },
      detail: { summary: 'Restore a version (its content becomes a new current version)', tags },
    })
    .delete('/api/versions', ({ call, query }) => {
      const bucket = ctx.services.files.bucket(call.who().accountId, query.bucket)
      return ctx.services.versions.purge(bucket, keyParam(call))
    }, {
      api: { surface: 'dashboard', operation: 'PurgeHistory', auth: 'dashboard' },
      query: query({ bucket: bucketParam, key: opt(t.String({ description: 'One file; without it the whole bucket' })) }),
      response: { 200: obj({ success: t.Boolean(), removedVersions: int(), freedBytes: int() }) },
      detail: { summary: 'Purge history (every non-current version) of a file (key) or a whole bucket', tags },
    })
    .get('/api/versions/deleted', ({ call, query }) => {
      const bucket = ctx.services.files.bucket(call.who().accountId, query.bucket)
      const res = ctx.services.versions.deletedFiles(bucket, page(query))
      return { bucket: bucket.name, files: res.files, hasMore: res.hasMore, nextCursor: nextCursor(res) }
    }, {
      api: { surface: 'dashboard', operation: 'ListDeletedFiles', auth: 'dashboard' },
      query: query({ bucket: bucketParam, ...pageQuery }),
      response: {
        200: obj({
          bucket: t.String(),
          files: t.Array(obj({ id: t.String(), key: t.String(), versions: int(), deletedAt: nullable(iso()) })),
          hasMore: t.Boolean(), nextCursor: nullable(t.String()),
        }),
      },
      detail: { summary: 'Deleted files that can be restored', tags },
    })
    .post('/api/versions/undelete', ({ call, body }) =>
      ctx.services.versions.undelete(ctx.services.files.bucket(call.who().accountId, body.bucket), checkApiKey(body.key)), {
      api: { surface: 'dashboard', operation: 'UndeleteFile', auth: 'dashboard', json: true },
      body: obj({ bucket: opt(t.String({ description: 'Default: the default bucket' })), key: t.String() }),
      response: { 200: obj({ success: t.Boolean(), versionId: t.String(), versionNumber: int() }) },
      detail: { summary: 'Undelete a file (its newest kept content becomes current)', tags },
    })
    .get('/api/versions/compare', async ({ call, query }) => {
      const who = call.who().accountId
      const a = ctx.services.versions.owned(query.from, who)
      const b = ctx.services.versions.owned(query.to, who)
      if (a.object.id !== b.object.id) throw new AppError('ValidationError', { message: 'Both versions must belong to the same file.' })
      return ctx.services.versions.compare(a.object.key, a.version, b.version)
    }, {
      api: { surface: 'dashboard', operation: 'CompareVersions', auth: 'dashboard' },
      query: query({ from: required('from', 'A version id'), to: required('to', 'Another version of the same file') }),
      response: {
        200: t.Union([
          obj({ ...compareBase, kind: t.Literal('diff'), diff: t.String({ description: 'Unified diff' }), stats: obj({ added: int(), removed: int() }) }),
          obj({ ...compareBase, kind: t.Literal('metadata'), reason: t.String({ description: 'Why there is no diff' }) }),
        ]),
      },
      detail: { summary: 'Compare two versions: a unified diff for text, metadata otherwise', tags },
    })
    .get('/api/versions/:versionId', ({ call, params, query }) => {
      const { version, object, bucket } = ctx.services.versions.owned(params.versionId, call.who().accountId)
      if (query.meta === 'true') {
        return { versionId: version.id, versionNumber: version.versionNumber, key: object.key, bucket: bucket.name, size: version.size, contentType: version.contentType, etag: `"${version.etag}"`, createdAt: isoOf(version.createdAt), isCurrent: version.id === object.currentVersionId }
      }
      const download: Promise<Response> = ctx.services.objects.openContent(version).then((content) => new Response(content, {
        headers: {
          'content-type': version.contentType || 'application/octet-stream', 'content-length': String(version.size), etag: `"${version.etag}"`,
          'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(object.key.split('/').pop() || 'download')}`,
          'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox', 'x-version-number': String(version.versionNumber),
        },
      }))
      return download
    }, {
      api: { surface: 'dashboard', operation: 'GetVersion', auth: 'dashboard' },
      params: versionId,
      query: query({ meta: opt(t.String({ description: "'true': the version's metadata as JSON instead of its bytes" })) }),
      response: { 200: t.Union([Binary, VersionMeta]) },
      detail: { summary: 'Download a version (?meta=true for its metadata as JSON)', tags },
    })
    .delete('/api/versions/:versionId', ({ call, params }) => ctx.services.versions.deleteVersion(call.who().accountId, params.versionId), {
      api: { surface: 'dashboard', operation: 'DeleteVersion', auth: 'dashboard' },
      params: versionId,
      response: { 200: obj({ success: t.Boolean(), freedBytes: int() }) },
      detail: { summary: 'Permanently delete a non-current version', tags },
    })
}
