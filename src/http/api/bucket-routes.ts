import type { Elysia } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import { bucketSummary } from '../../services/buckets/buckets'
import type { BucketRow } from '../../services/rows'
import { corsRulesFromXml, type CorsRule } from '../../domain/cors'
import type { ApiCall, ApiRoute } from './route'
import { json } from './route'
import { checkFields, pathParam } from './validate'

function withCors(b: BucketRow) {
  return { ...bucketSummary(b), cors: b.corsJson ? (JSON.parse(b.corsJson) as CorsRule[]) : null }
}

/**
 * A bucket of the caller's account. Bucket names are global and their existence is public
 * (creating a taken name says BucketAlreadyExists), so another account's bucket is 403
 * AccessDenied, as on S3 and the REST file API.
 */
const ownBucket = (call: ApiCall, name: string): BucketRow => call.ctx.services.access.ownBucket(call.who().accountId, name)

/** CORS rules as JSON: the same shape and limits as the S3 CORS XML. */
function corsFromJson(v: unknown): CorsRule[] | null {
  // No rules (null or an empty list, as a UI removing the last rule sends) clears CORS.
  if (v === null || (Array.isArray(v) && v.length === 0)) return null
  if (!Array.isArray(v)) throw new AppError('ValidationError', { message: 'cors must be a list of rules or null.' })
  const doc = {
    CORSRule: v.map((r, i) => {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new AppError('ValidationError', { message: `cors[${i}] must be an object.` })
      const x = checkFields(r as Record<string, unknown>, { id: 'string', allowedOrigins: 'array', allowedMethods: 'array', allowedHeaders: 'array', exposeHeaders: 'array', maxAgeSeconds: 'number' }, ['allowedOrigins', 'allowedMethods'])
      return { ID: x.id, AllowedOrigin: x.allowedOrigins, AllowedMethod: x.allowedMethods, AllowedHeader: x.allowedHeaders ?? [], ExposeHeader: x.exposeHeaders ?? [], MaxAgeSeconds: x.maxAgeSeconds }
    }),
  }
  try {
    return corsRulesFromXml(doc)
  } catch (e) {
    throw new AppError('ValidationError', { message: (e as Error).message })
  }
}

/** Time Machine retention per bucket: {maxVersions, maxAgeDays}; null restores the default. */
function retentionFromJson(r: Record<string, unknown>) {
  checkFields(r, { maxVersions: 'number|null', maxAgeDays: 'number|null' })
  const int = (v: unknown, name: string, min: number, max: number) => {
    if (v === null || v === undefined) return v as null | undefined
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new AppError('ValidationError', { message: `retention.${name} must be an integer from ${min} to ${max}, or null for the default.` })
    return v as number
  }
  return { retentionMaxVersions: int(r.maxVersions, 'maxVersions', 1, 100000), retentionDays: int(r.maxAgeDays, 'maxAgeDays', 0, 36500) }
}

/** /api/buckets: list with usage, create, delete (force), settings. */
export function bucketRoutes(app: Elysia<any, any, any, any, any, any, any>, ctx: SurfaceContext, route: ApiRoute) {
  const o = { parse: 'none' as const }
  return app
    .get('/api/buckets', route({ surface: 'dashboard', operation: 'ListBuckets', auth: 'dashboard' }, (call) => ({
      buckets: ctx.services.buckets.list(call.who().accountId).map(bucketSummary),
    })), o)
    .post('/api/buckets', route({ surface: 'dashboard', operation: 'CreateBucket', auth: 'dashboard' }, async (call) => {
      const body = checkFields<{ name: string }>(await call.json(), { name: 'string' }, ['name'])
      return json(withCors(ctx.services.buckets.create(call.who().accountId, body.name)), 201)
    }), o)
    .get('/api/buckets/:name', route({ surface: 'dashboard', operation: 'GetBucket', auth: 'dashboard' }, (call) =>
      withCors(ownBucket(call, pathParam(call.url, 3)))), o)
    .patch('/api/buckets/:name', route({ surface: 'dashboard', operation: 'UpdateBucket', auth: 'dashboard' }, async (call) => {
      const b = ownBucket(call, pathParam(call.url, 3))
      const body = checkFields<{ versioning?: boolean; publicRead?: boolean; cors?: unknown[] | null; retention?: Record<string, unknown> }>(
        await call.json(), { versioning: 'boolean', publicRead: 'boolean', cors: 'array|null', retention: 'object' })
      const retention = body.retention === undefined ? {} : retentionFromJson(body.retention)
      if (body.cors !== undefined) ctx.services.buckets.setCors(b.id, corsFromJson(body.cors))
      return withCors(ctx.services.buckets.updateSettings(b.id, { timeMachine: body.versioning, publicRead: body.publicRead, ...retention }))
    }), o)
    .delete('/api/buckets/:name', route({ surface: 'dashboard', operation: 'DeleteBucket', auth: 'dashboard' }, (call) => {
      const b = ownBucket(call, pathParam(call.url, 3))
      if (b.isDefault) throw new AppError('ValidationError', { message: 'The default bucket cannot be deleted.' })
      ctx.services.buckets.delete(b.id, { force: call.url.searchParams.get('force') === 'true' })
      return { success: true }
    }), o)
}
