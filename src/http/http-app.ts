import { Elysia, t, type AnyElysia } from 'elysia'
import type { Server } from 'bun'
import type { SurfaceContext } from './context'
import type { Logger } from '../log/logger'
import { AppError } from '../errors/app-error'
import { healthResponse } from './common/health'
import { accountFromApiKey } from './common/api-key'
import { signaturesEqual } from '../auth/sigv4'
import { ensureAdminToken } from '../auth/admin-token'
import { ensureUrlSigningKey } from '../auth/url-signing'
import { createPipeline } from './pipeline'
import { apiPlugin, jsonSurface, type ApiPlugin } from './api/route'
import { adminRoutes } from './api/admin-routes'
import { authRoutes } from './api/auth-routes'
import { keyRoutes } from './api/key-routes'
import { bucketRoutes } from './api/bucket-routes'
import { objectRoutes } from './api/object-routes'
import { filesRoutes } from './rest/files-routes'
import { versionRoutes } from './api/version-routes'
import { imageRoutes } from './image/image-routes'
import { webhookRoutes } from './api/webhook-routes'
import { shareRoutes } from './api/share-routes'
import { dashboardApiRoutes } from './api/dashboard-routes'
import { dashboardRoutes } from '../dashboard/routes'
import { openApiDocument, openApiHtml, type OpenApiDocument } from './api/openapi'
import { isSharePath, shareSurface } from './share/share-surface'

/** Is this request allowed to read /metrics: the metrics token, the admin token or an admin's key. */
function metricsAllowed(ctx: SurfaceContext, headers: Headers, adminToken: string): boolean {
  const auth = headers.get('authorization') ?? ''
  const token = auth.replace(/^bearer\s+/i, '').trim()
  for (const t of [ctx.config.metricsToken, adminToken]) if (t && token.length === t.length && signaturesEqual(token, t)) return true
  const who = accountFromApiKey(ctx, headers)
  return !!who && ctx.services.access.isActiveAdmin(who.accountId)
}

const Health = t.Object({ status: t.Literal('ok'), version: t.String() }, { additionalProperties: false })

/** Health, metrics and the API's own description. */
function systemRoutes(ctx: SurfaceContext, api: ApiPlugin, adminToken: string, document: () => OpenApiDocument) {
  let html: string | null = null
  return new Elysia().use(api)
    .get('/healthz', () => healthResponse(), {
      api: { surface: 'system', operation: 'Health', auth: 'none', durable: false },
      response: { 200: Health },
      detail: { summary: 'Liveness and readiness: 200 once the appliance serves (503 {"status":"starting"} before)', tags: ['System'] },
    })
    .get('/metrics', ({ request }) => {
      if (!metricsAllowed(ctx, request.headers, adminToken)) throw new AppError('Unauthorized', { message: 'GET /metrics needs the metrics bearer token or an admin access key.' })
      return new Response(ctx.metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })
    }, {
      api: { surface: 'system', operation: 'GetMetrics', auth: 'none', durable: false },
      response: { 200: t.String({ description: 'Prometheus text exposition format' }) },
      detail: { summary: 'Prometheus metrics (Bearer: the metrics token, the admin token, or an admin\'s ACCESS:SECRET)', tags: ['System'] },
    })
    .get('/api/openapi.json', () => Response.json(document()), {
      api: { surface: 'system', operation: 'GetOpenApi', auth: 'none' },
      response: { 200: t.Record(t.String(), t.Unknown(), { description: 'The OpenAPI 3.0 document' }) },
      detail: { summary: 'This document (OpenAPI 3)', tags: ['System'] },
    })
    .get('/api/docs', () => new Response((html ??= openApiHtml(document())), { headers: { 'content-type': 'text/html; charset=utf-8' } }), {
      api: { surface: 'system', operation: 'GetApiDocs', auth: 'none' },
      detail: {
        summary: 'The API reference as a page (works offline)', tags: ['System'],
        responses: { 200: { description: 'An HTML page, no script', content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    })
}

/** The HTTP port's routes: health, metrics, and the REST / dashboard / admin / image APIs. */
export function createHttpApp(ctx: SurfaceContext) {
  const adminToken = ensureAdminToken(ctx.config.dataDir)
  const urlSigningKey = ensureUrlSigningKey(ctx.config.dataDir)
  const api = apiPlugin(ctx, adminToken)
  // Built on first request, from the finished app (every route below is in it).
  const built: { app: AnyElysia | null; doc: OpenApiDocument | null } = { app: null, doc: null }
  const document = (): OpenApiDocument => (built.doc ??= openApiDocument(built.app!))
  const app = new Elysia({ name: 'http', normalize: false })
    .use(api)
    .use(systemRoutes(ctx, api, adminToken, document))
    .use(authRoutes(ctx, api))
    .use(dashboardApiRoutes(ctx, api))
    .use(keyRoutes(ctx, api))
    .use(bucketRoutes(ctx, api))
    .use(objectRoutes(ctx, api))
    .use(versionRoutes(ctx, api))
    .use(webhookRoutes(ctx, api))
    .use(shareRoutes(ctx, api))
    .use(adminRoutes(ctx, api))
    .use(filesRoutes(ctx, api))
    .use(imageRoutes(ctx, api, urlSigningKey))
    // The web dashboard: its page at / and its files under /assets/.
    .use(dashboardRoutes(ctx, api))
    // Any other /api path or method: a JSON error like every API answer. Specific routes always
    // win over this wildcard, and it never reads a body.
    .all('/api/*', ({ call }) => {
      throw new AppError('NotFound', { message: `There is no API route ${call.request.method} ${call.url.pathname}. See /api/docs.` })
    }, {
      api: { surface: 'system', operation: 'UnknownRoute', auth: 'none' },
      detail: { hide: true },
    })
  built.app = app
  return app
}

/** The HTTP API's type: every route with its params, query, body and answers (the Eden client reads it). */
export type HttpApi = ReturnType<typeof createHttpApp>

/**
 * The HTTP port's fetch handler: every request through the pipeline, with the surface its path
 * belongs to: share links (/s/…, HTML pages) or the app (the JSON API, health, metrics).
 */
export function createHttpHandler(ctx: SurfaceContext, log: Logger) {
  const app = createHttpApp(ctx)
  const pipeline = createPipeline(ctx, log)
  const surface = jsonSurface(app)
  const shares = shareSurface(ctx)
  return (request: Request, server: Server<unknown> | null): Promise<Response> => {
    // The path starts after "scheme://host"; no URL object needed to route.
    const at = request.url.indexOf('/', request.url.indexOf('//') + 2)
    const path = at < 0 ? '/' : request.url.slice(at)
    return isSharePath(path.split('?')[0]) ? pipeline(request, server, shares) : pipeline(request, server, surface)
  }
}
