import type { Server } from 'bun'
import type { SurfaceContext } from '../context'
import { AppError, toAppError } from '../../errors/app-error'
import { jsonErrorBody } from '../../errors/render'
import type { Logger } from '../../log/logger'
import { newRequestId } from '../common/request-id'
import { clientIp } from '../common/client-ip'
import { checkCsrf } from '../../services/sessions/sessions'
import { readRequestBody } from '../../blob/streams'
import { resolveApiPrincipal, type ApiPrincipal } from './principal'

export type AuthMode =
  | 'none' // public (health, signup, login)
  | 'dashboard' // session cookie, API key or admin token; dashboard rate limit; CSRF on cookies
  | 'apiKey' // REST file API: API key (or admin token) only, never a cookie
  | 'admin' // dashboard auth, admin accounts only
  | 'optional' // credentials used when present (public resources such as image URLs)

export interface ApiCall {
  ctx: SurfaceContext
  request: Request
  url: URL
  requestId: string
  ip: string
  principal: ApiPrincipal | null
  /** The authenticated principal (routes with auth). */
  who(): ApiPrincipal
  /** The JSON body, size-capped; InvalidJSON when malformed, ValidationError when not an object. */
  json<T = Record<string, unknown>>(max?: number): Promise<T>
  /** Count of request body bytes read (for logging), updated by streaming readers. */
  counter: { bytes: number }
}

export interface ApiRouteOptions {
  surface: 'rest' | 'dashboard' | 'admin' | 'auth' | 'system' | 'image'
  operation: string
  auth: AuthMode
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body)
  return new Response(text, { status, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers } })
}

function errorResponse(err: AppError, requestId: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(err.headers ?? {}) }
  if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="cloudstorage"'
  const body = jsonErrorBody(err, requestId)
  headers['content-length'] = String(Buffer.byteLength(body))
  return new Response(body, { status: err.status, headers })
}

/**
 * Wraps a JSON API handler: authentication per mode, CSRF for cookie writes, the dashboard rate
 * limit, JSON errors in the catalog's shape, one log line and metrics per request.
 */
export function createApiRoute(ctx: SurfaceContext, log: Logger, adminToken: string | null) {
  return function route(opts: ApiRouteOptions, fn: (call: ApiCall) => Promise<unknown> | unknown) {
    // Elysia's context is typed per route; only request and server are used here.
    return async (c: Record<string, any>): Promise<Response> => {
      const request = c.request as Request
      const server = (c.server ?? null) as Server<unknown> | null
      const started = performance.now()
      const requestId = newRequestId()
      const url = new URL(request.url)
      const counter = { bytes: 0 }
      let principal: ApiPrincipal | null = null
      let response: Response
      let errorCode: string | undefined
      const acquired = ctx.gate.tryAcquire()
      try {
        if (!acquired) throw new AppError('SlowDown', { headers: { 'retry-after': '1' } })
        if (opts.auth === 'optional') {
          principal = resolveApiPrincipal(ctx, request, adminToken, { allowSession: true, allowApiKey: true })
        } else if (opts.auth !== 'none') {
          principal = resolveApiPrincipal(ctx, request, adminToken, { allowSession: opts.auth !== 'apiKey', allowApiKey: true })
          if (!principal) throw new AppError('Unauthorized', { message: opts.auth === 'apiKey' ? 'Send X-API-Key: ACCESS_KEY:SECRET_KEY or Authorization: Bearer ACCESS_KEY:SECRET_KEY.' : 'Log in first, or send an API key.' })
          if (opts.auth === 'admin' && !principal.isAdmin) throw new AppError('AccessDenied', { message: 'This endpoint is for administrators.' })
          checkCsrf(request, principal, { trustProxy: ctx.config.trustProxy })
          // The dashboard API budget (30/min) applies to sessions and API keys alike; the local admin
          // token (the TUI on the appliance itself) is exempt.
          if (opts.auth !== 'apiKey' && principal.via !== 'adminToken') await ctx.services.rateLimits.checkDashboard(principal.accountId, principal.isAdmin)
          // REST calls with an access key share that key's S3 request budget.
          if (opts.auth === 'apiKey' && principal.via === 'apiKey') {
            await ctx.services.rateLimits.checkS3({ kind: 'account', accountId: principal.accountId, isAdmin: principal.isAdmin, accessKeyId: principal.accessKeyId ?? null }, opts.operation, request.method)
          }
        }
        const call: ApiCall = {
          ctx, request, url, requestId, ip: clientIp(request, server, ctx.config.trustProxy), principal, counter,
          who() {
            if (!principal) throw new AppError('Unauthorized')
            return principal
          },
          async json<T>(max = 64 * 1024): Promise<T> {
            const type = request.headers.get('content-type') ?? ''
            if (!/^application\/json\b/i.test(type)) throw new AppError('UnsupportedMediaType', { message: 'Send the body as application/json.' })
            // Unauthenticated routes (login, signup) read this too: never more than `max` bytes.
            const text = (await readRequestBody(request, max, counter)).toString('utf8')
            let body: unknown
            try { body = JSON.parse(text) } catch { throw new AppError('InvalidJSON') }
            if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('ValidationError', { message: 'The body must be a JSON object.' })
            return body as T
          },
        }
        const result = await fn(call)
        // Acknowledge changes only once they are on disk (shared WAL fsync); reads wait too, so
        // nobody is shown a change a power cut could still undo (free when no write is pending).
        // After a failed WAL fsync writes are refused for good, but reads go on.
        if (request.method === 'GET' || request.method === 'HEAD') await ctx.services.durable().catch(() => {})
        else await ctx.services.durable()
        response = result instanceof Response ? result : json(result)
      } catch (e) {
        const err = toAppError(e)
        if (err.status >= 500) log.error(`${opts.surface} ${opts.operation} failed [${requestId}]`, err.cause ?? e)
        errorCode = err.code
        response = errorResponse(err, requestId)
      } finally {
        if (acquired) ctx.gate.release()
      }
      response.headers.set('x-request-id', requestId)
      const ms = performance.now() - started
      const bytesOut = Number(response.headers.get('content-length')) || 0
      ctx.metrics.recordRequest({ surface: opts.surface, operation: opts.operation, status: response.status, seconds: ms / 1000, bytesIn: counter.bytes, bytesOut, error: errorCode })
      log.request({
        time: new Date().toISOString(), requestId, surface: opts.surface, method: request.method, path: url.pathname, operation: opts.operation,
        status: response.status, bytesIn: counter.bytes, bytesOut, ms, principal: principal ? (principal.accessKeyId ?? `${principal.via}:${principal.accountId}`) : '-', error: errorCode,
      })
      return response
    }
  }
}
export type ApiRoute = ReturnType<typeof createApiRoute>
