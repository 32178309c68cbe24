import type { Elysia } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { stageUpload } from '../rest/staged-upload'
import type { ApiCall, ApiRoute } from './route'
import { json } from './route'
import { checkFields, pathParam, queryParam } from './validate'
import { checkApiKey } from '../../domain/object-key'

const iso = (ms: number) => new Date(ms).toISOString()

function page(call: ApiCall) {
  const q = call.url.searchParams
  const limitRaw = q.get('limit') ?? '100'
  if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new AppError('ValidationError', { message: 'limit must be an integer from 1 to 1000.' })
  const cursor = q.get('cursor')
  const after = cursor ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
  if (cursor && Buffer.from(after, 'utf8').toString('base64url') !== cursor) throw new AppError('ValidationError', { message: 'The cursor is not valid.' })
  return { prefix: q.get('prefix') ?? '', after, limit: Number(limitRaw) }
}

const nextCursor = (r: { hasMore: boolean; last: string | null }) => (r.hasMore && r.last !== null ? Buffer.from(r.last, 'utf8').toString('base64url') : null)

function requireParam(call: ApiCall, name: string): string {
  const v = call.url.searchParams.get(name)
  if (!v) throw new AppError('ValidationError', { message: `The query parameter '${name}' is required.` })
  return v
}

/** ?key=, strictly decoded and valid by the one key rule (null when absent). */
function keyParam(call: ApiCall): string | null {
  const key = queryParam(call.url, 'key')
  return key === null ? null : checkApiKey(key)
}

/** Upload a new version: the same streaming upload as the REST API, answered in version terms. */
async function uploadVersion(call: ApiCall) {
  const up = await stageUpload(call)
  try {
    const bucket = up.bucket()
    const r = call.ctx.services.objects.commitStaged(up.staged, { bucket, key: up.key, meta: { contentType: up.contentType, headers: {}, userMeta: {} } })
    return json({ versionId: r.version.id, key: up.key, bucket: bucket.name, size: r.version.size, versionNumber: r.version.versionNumber, createdAt: iso(r.version.createdAt) }, 201)
  } catch (e) {
    call.ctx.services.objects.discardStaged(up.staged)
    throw e
  }
}

async function downloadVersion(call: ApiCall, versionId: string) {
  const { version, object, bucket } = call.ctx.services.versions.owned(versionId, call.who().accountId)
  if (call.url.searchParams.get('meta') === 'true') {
    return { versionId: version.id, versionNumber: version.versionNumber, key: object.key, bucket: bucket.name, size: version.size, contentType: version.contentType, etag: `"${version.etag}"`, createdAt: iso(version.createdAt), isCurrent: version.id === object.currentVersionId }
  }
  return new Response(await call.ctx.services.objects.openContent(version), {
    headers: {
      'content-type': version.contentType || 'application/octet-stream', 'content-length': String(version.size), etag: `"${version.etag}"`,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(object.key.split('/').pop() || 'download')}`,
      'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox', 'x-version-number': String(version.versionNumber),
    },
  })
}

/** Time Machine: /api/versions (session cookie or API key). */
export function versionRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: SurfaceContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  const r = (operation: string, fn: (call: ApiCall) => unknown) => route({ surface: 'dashboard', operation, auth: 'dashboard' }, fn)
  const idOf = (url: URL) => pathParam(url, 3)
  return app
    .post('/api/versions', r('UploadVersion', uploadVersion), o)
    .get('/api/versions', r('ListVersions', (call) => {
      const bucket = ctx.services.files.bucket(call.who().accountId, requireParam(call, 'bucket'))
      const key = keyParam(call)
      if (key !== null) return { bucket: bucket.name, key, versions: ctx.services.versions.history(bucket, key) }
      const res = ctx.services.versions.versionedFiles(bucket, page(call))
      return { bucket: bucket.name, files: res.files, hasMore: res.hasMore, nextCursor: nextCursor(res) }
    }), o)
    .patch('/api/versions', r('RestoreVersion', async (call) => {
      const body = checkFields<{ versionId: string }>(await call.json(), { versionId: 'string' }, ['versionId'])
      const res = ctx.services.versions.restore(call.who().accountId, body.versionId)
      return { success: res.success, restoredVersion: res.restoredVersion, newVersionNumber: res.newVersionNumber }
    }), o)
    .delete('/api/versions', r('PurgeHistory', (call) => {
      const bucket = ctx.services.files.bucket(call.who().accountId, requireParam(call, 'bucket'))
      return ctx.services.versions.purge(bucket, keyParam(call))
    }), o)
    .get('/api/versions/deleted', r('ListDeletedFiles', (call) => {
      const bucket = ctx.services.files.bucket(call.who().accountId, requireParam(call, 'bucket'))
      const res = ctx.services.versions.deletedFiles(bucket, page(call))
      return { bucket: bucket.name, files: res.files, hasMore: res.hasMore, nextCursor: nextCursor(res) }
    }), o)
    .post('/api/versions/undelete', r('UndeleteFile', async (call) => {
      const body = checkFields<{ bucket?: string; key: string }>(await call.json(), { bucket: 'string', key: 'string' }, ['key'])
      return ctx.services.versions.undelete(ctx.services.files.bucket(call.who().accountId, body.bucket), checkApiKey(body.key))
    }), o)
    .get('/api/versions/compare', r('CompareVersions', async (call) => {
      const who = call.who().accountId
      const a = ctx.services.versions.owned(requireParam(call, 'from'), who)
      const b = ctx.services.versions.owned(requireParam(call, 'to'), who)
      if (a.object.id !== b.object.id) throw new AppError('ValidationError', { message: 'Both versions must belong to the same file.' })
      return ctx.services.versions.compare(a.object.key, a.version, b.version)
    }), o)
    .get('/api/versions/:versionId', r('GetVersion', (call) => downloadVersion(call, idOf(call.url))), o)
    .delete('/api/versions/:versionId', r('DeleteVersion', (call) => ctx.services.versions.deleteVersion(call.who().accountId, idOf(call.url))), o)
}
