import { Elysia } from 'elysia'
import type { SurfaceContext } from './context'
import type { Logger } from '../log/logger'
import { healthBody } from '../server'
import { accountFromApiKey } from './common/api-key'
import { signaturesEqual } from '../auth/sigv4'
import { ensureAdminToken } from '../auth/admin-token'
import { createApiRoute } from './api/route'
import { adminRoutes } from './api/admin-routes'
import { authRoutes } from './api/auth-routes'
import { keyRoutes } from './api/key-routes'
import { bucketRoutes } from './api/bucket-routes'
import { filesRoutes } from './rest/files-routes'
import { versionRoutes } from './api/version-routes'
import { imageRoutes } from './image/image-routes'
import { webhookRoutes } from './api/webhook-routes'
import { openApiDocument, openApiHtml } from './api/openapi'

/** Is this request allowed to read /metrics: the metrics token, the admin token or an admin's key. */
function metricsAllowed(ctx: SurfaceContext, headers: Headers, adminToken: string): boolean {
  const auth = headers.get('authorization') ?? ''
  const token = auth.replace(/^bearer\s+/i, '').trim()
  for (const t of [ctx.config.metricsToken, adminToken]) if (t && token.length === t.length && signaturesEqual(token, t)) return true
  const who = accountFromApiKey(ctx, headers)
  return !!who && ctx.services.access.isActiveAdmin(who.accountId)
}

/** The HTTP port: health, metrics, and the REST / dashboard / image APIs. */
export function createHttpApp(ctx: SurfaceContext, log: Logger) {
  const adminToken = ensureAdminToken(ctx.config.dataDir)
  const route = createApiRoute(ctx, log, adminToken)
  const app = new Elysia({ name: 'http' })
    .get('/healthz', () => new Response(healthBody(), { headers: { 'content-type': 'application/json' } }))
    .get('/metrics', ({ request }) => {
      if (!metricsAllowed(ctx, request.headers, adminToken)) {
        return new Response(JSON.stringify({ error: { code: 'Unauthorized', message: 'GET /metrics needs the metrics bearer token or an admin access key.' } }), {
          status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
        })
      }
      return new Response(ctx.metrics.render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })
    })
    .get('/api/openapi.json', () => Response.json(openApiDocument()))
    .get('/api/docs', () => new Response(openApiHtml(), { headers: { 'content-type': 'text/html; charset=utf-8' } }))
  for (const add of [authRoutes, keyRoutes, bucketRoutes, versionRoutes, webhookRoutes, adminRoutes, filesRoutes, imageRoutes]) add(app, ctx, route)
  return app
}
