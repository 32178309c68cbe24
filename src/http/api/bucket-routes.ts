import { Elysia, t } from 'elysia'
import type { SurfaceContext } from '../context'
import { AppError } from '../../errors/app-error'
import type { BucketRow } from '../../services/rows'
import { corsRulesFromXml, type CorsRule as CorsRuleValue } from '../../domain/cors'
import type { ApiPlugin } from './route'
import { Bucket, BucketWithCors, CorsRule, int, nullable, obj, opt, query, Success } from './schemas'

function withCors(ctx: SurfaceContext, b: BucketRow) {
  return { ...ctx.services.buckets.summary(b), cors: b.corsJson ? (JSON.parse(b.corsJson) as CorsRuleValue[]) : null }
}

/** CORS rules as JSON: the same shape and limits as the S3 CORS XML. */
function corsFromJson(v: Array<typeof CorsRule.static> | null): CorsRuleValue[] | null {
  // No rules (null or an empty list, as a UI removing the last rule sends) clears CORS.
  if (v === null || v.length === 0) return null
  const doc = {
    CORSRule: v.map((x) => ({ ID: x.id, AllowedOrigin: x.allowedOrigins, AllowedMethod: x.allowedMethods, AllowedHeader: x.allowedHeaders ?? [], ExposeHeader: x.exposeHeaders ?? [], MaxAgeSeconds: x.maxAgeSeconds })),
  }
  try {
    return corsRulesFromXml(doc)
  } catch (e) {
    throw new AppError('ValidationError', { message: (e as Error).message })
  }
}

/** Time Machine retention: an integer in range, or null for the appliance default. */
const retentionValue = (name: string, min: number, max: number) =>
  opt(t.Union([int({ minimum: min, maximum: max }), t.Null()], { error: `retention.${name} must be an integer from ${min} to ${max}, or null for the default.` }))

const name = t.Object({ name: t.String({ description: 'The bucket name' }) })
const tags = ['Buckets']

/** /api/buckets: list with usage, create, delete (force), settings. */
export function bucketRoutes(ctx: SurfaceContext, api: ApiPlugin) {
  /**
   * A bucket of the caller's account. Bucket names are global and their existence is public
   * (creating a taken name says BucketAlreadyExists), so another account's bucket is 403
   * AccessDenied, as on S3 and the REST file API.
   */
  const ownBucket = (accountId: string, bucket: string): BucketRow => ctx.services.access.ownBucket(accountId, bucket)
  return new Elysia().use(api)
    .get('/api/buckets', ({ call }) => ({ buckets: ctx.services.buckets.list(call.who().accountId).map((b) => ctx.services.buckets.summary(b)) }), {
      api: { surface: 'dashboard', operation: 'ListBuckets', auth: 'dashboard' },
      response: { 200: obj({ buckets: t.Array(Bucket) }) },
      detail: { summary: 'List buckets with usage', tags },
    })
    .post('/api/buckets', ({ call, body, status }) => status(201, withCors(ctx, ctx.services.buckets.create(call.who().accountId, body.name))), {
      api: { surface: 'dashboard', operation: 'CreateBucket', auth: 'dashboard', json: true },
      body: obj({ name: t.String({ description: 'S3 bucket naming rules; names are global' }) }),
      response: { 201: BucketWithCors },
      detail: { summary: 'Create a bucket (S3 naming rules; a plan allows a few)', tags },
    })
    .get('/api/buckets/:name', ({ call, params }) => withCors(ctx, ownBucket(call.who().accountId, params.name)), {
      api: { surface: 'dashboard', operation: 'GetBucket', auth: 'dashboard' },
      params: name,
      response: { 200: BucketWithCors },
      detail: { summary: 'A bucket with its settings', tags },
    })
    .patch('/api/buckets/:name', ({ call, params, body }) => {
      const b = ownBucket(call.who().accountId, params.name)
      const r = body.retention
      const retention = r === undefined ? {} : { retentionMaxVersions: r.maxVersions, retentionDays: r.maxAgeDays }
      if (body.cors !== undefined) ctx.services.buckets.setCors(b.id, corsFromJson(body.cors))
      return withCors(ctx, ctx.services.buckets.updateSettings(b.id, { timeMachine: body.versioning, publicRead: body.publicRead, ...retention }))
    }, {
      api: { surface: 'dashboard', operation: 'UpdateBucket', auth: 'dashboard', json: true },
      params: name,
      body: obj({
        versioning: opt(t.Boolean({ description: 'Time Machine: keep every version' })),
        publicRead: opt(t.Boolean({ description: 'Anyone may read objects (anonymous S3 GET, image URLs)' })),
        cors: opt(nullable(t.Array(CorsRule, { description: 'CORS rules; null or [] removes them' }))),
        retention: opt(obj({ maxVersions: retentionValue('maxVersions', 1, 100000), maxAgeDays: retentionValue('maxAgeDays', 0, 36500) })),
      }),
      response: { 200: BucketWithCors },
      detail: { summary: 'Settings: versioning (Time Machine), publicRead, cors, retention', tags },
    })
    .delete('/api/buckets/:name', ({ call, params, query }) => {
      const b = ownBucket(call.who().accountId, params.name)
      if (b.isDefault) throw new AppError('ValidationError', { message: 'The default bucket cannot be deleted.' })
      ctx.services.buckets.delete(b.id, { force: query.force === 'true' })
      return { success: true }
    }, {
      api: { surface: 'dashboard', operation: 'DeleteBucket', auth: 'dashboard' },
      params: name,
      query: query({ force: opt(t.String({ description: "'true' deletes it with everything in it; otherwise 409 BucketNotEmpty unless empty" })) }),
      response: { 200: Success },
      detail: { summary: 'Delete a bucket (409 BucketNotEmpty unless force=true)', tags },
    })
}
