import { Elysia, type DocumentDecoration } from 'elysia'
import type { Server } from 'bun'
import type { SurfaceContext } from '../context'
import { AppError, toAppError } from '../../errors/app-error'
import { jsonErrorBody } from '../../errors/render'
import { clientIp } from '../common/client-ip'
import { checkCsrf } from '../../services/sessions/sessions'
import { readRequestBody } from '../../blob/streams'
import { POLL_HEADER, type RequestState, type Surface } from '../pipeline'
import { resolveApiPrincipal, type ApiPrincipal } from './principal'
import { validationError } from './validate'
import { securityFor, UPLOAD_BODY } from './openapi'

export type AuthMode =
  | 'none' // public (health, signup, login)
  | 'dashboard' // session cookie, API key or admin token; dashboard rate limit; CSRF on cookies
  | 'apiKey' // REST file API: API key (or admin token) only, never a cookie
  | 'admin' // dashboard auth, admin accounts only
  | 'optional' // credentials used when present (public resources such as image URLs)

/** What a route declares about itself besides its schemas (the `api` macro of every route). */
export interface ApiOptions {
  surface: 'rest' | 'dashboard' | 'admin' | 'auth' | 'system' | 'image' | 'web'
  operation: string
  auth: AuthMode
  /**
   * The body is a JSON object, read by the capped parser once the caller is authenticated (at
   * most `max` bytes, 64 KiB by default). Routes without it never read a JSON body.
   */
  json?: true | { max: number }
  /**
   * The body streams (REST and version uploads): documented as a multipart form or raw bytes;
   * the route reads it itself (`parse: 'none'`).
   */
  upload?: true
  /** Runs after authentication, before the body is read (sign-up: open? within its rate?). */
  precheck?: (call: ApiCall) => void
  /** False for answers about the process, not stored data (health, metrics): no WAL wait. */
  durable?: false
}

/** What a route handler gets besides its validated params, query and body. */
export interface ApiCall {
  ctx: SurfaceContext
  request: Request
  url: URL
  requestId: string
  ip: string
  principal: ApiPrincipal | null
  /** The authenticated principal (routes with auth). */
  who(): ApiPrincipal
  /** Count of request body bytes read (for logging), updated by streaming readers. */
  counter: { bytes: number }
}

/** The HTTP port's per-request data, kept by the pipeline and filled in by the `api` macro. */
export interface ApiState {
  server: Server<unknown> | null
  /** The request as it came off the socket (the client's address is known for this one only). */
  received: Request | null
  principal: ApiPrincipal | null
  /** The route's authentication ran (it runs once: in the body parser or in transform). */
  authenticated: boolean
  call: ApiCall | null
}

const DEFAULT_JSON_MAX = 64 * 1024
/** Elysia deduplicates plugins by name and seed: one per app built (tests build several). */
let instances = 0

const states = new WeakMap<Request, RequestState<ApiState>>()

/** The pipeline's state of a request the HTTP app handles. */
function stateOf(request: Request): RequestState<ApiState> {
  const s = states.get(request)
  if (!s) throw new Error('a request reached the HTTP app without going through the pipeline')
  return s
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = JSON.stringify(body)
  return new Response(text, { status, headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } })
}

/** The JSON surfaces' error answer: the catalog's shape, its status and headers. */
export function jsonErrorResponse(err: AppError, requestId: string): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(err.headers ?? {}) }
  if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="cloudstorage"'
  const body = jsonErrorBody(err, requestId)
  headers['content-length'] = String(Buffer.byteLength(body))
  return new Response(body, { status: err.status, headers })
}

/**
 * Elysia takes the path to start at the first '/' from index 11 of request.url, a fast path that
 * assumes a host of at least 4 characters ("http://localhost/…"). A shorter Host header — a NAS
 * called "nas" behind a proxy, "x" — would route every request to the wrong path (404). Such a
 * request is routed with a user name in its URL, which moves the path past index 11 and changes
 * nothing else: host, origin, path and query stay the same, and headers and body are the
 * original's.
 */
export function routable(request: Request): Request {
  const url = request.url
  const authority = url.indexOf('//') + 2
  const path = url.indexOf('/', authority)
  if (path < 0 || path >= 11 || url.lastIndexOf('@', path) > authority) return request
  return new Request(url.slice(0, authority) + 'route@' + url.slice(authority), request)
}

/** The HTTP port as a pipeline surface: the Elysia app dispatches, errors are JSON. */
export function jsonSurface(app: { handle(request: Request): Response | Promise<Response> }): Surface<ApiState> {
  return {
    name: 'system',
    init: () => ({ server: null, received: null, principal: null, authenticated: false, call: null }),
    dispatch(request, server, state) {
      state.x.server = server
      state.x.received = request
      const routed = routable(request)
      states.set(routed, state)
      return app.handle(routed)
    },
    render: (err, _request, state) => jsonErrorResponse(err, state.requestId),
    finish(response, _request, state) {
      response.headers.set('x-request-id', state.requestId)
      return response
    },
  }
}

function callOf(ctx: SurfaceContext, request: Request, state: RequestState<ApiState>): ApiCall {
  if (state.x.call) return state.x.call
  const principal = state.x.principal
  let ip: string | null = null
  return (state.x.call = {
    ctx, request, url: new URL(request.url), requestId: state.requestId, principal, counter: state.counter,
    get ip() { return (ip ??= clientIp(state.x.received ?? request, state.x.server, ctx.config.trustProxy)) },
    who() {
      if (!principal) throw new AppError('Unauthorized')
      return principal
    },
  })
}

/** The JSON body: application/json, at most `max` bytes (Content-Length checked first), an object. */
async function readJsonObject(request: Request, max: number, counter: { bytes: number }): Promise<Record<string, unknown>> {
  const type = request.headers.get('content-type') ?? ''
  if (!/^application\/json\b/i.test(type)) throw new AppError('UnsupportedMediaType', { message: 'Send the body as application/json.' })
  // Unauthenticated routes (login, signup) read this too: never more than `max` bytes.
  const text = (await readRequestBody(request, max, counter)).toString('utf8')
  let body: unknown
  try { body = JSON.parse(text) } catch { throw new AppError('InvalidJSON') }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AppError('ValidationError', { message: 'The body must be a JSON object.' })
  return body as Record<string, unknown>
}

/** Maps whatever the app threw (our AppErrors, Elysia's validation, routing and parse errors) to an AppError. */
function appErrorOf(code: unknown, error: unknown, request: Request): AppError {
  if (error instanceof AppError) return error
  if (code === 'VALIDATION') return validationError(error, request.url)
  if (code === 'NOT_FOUND') return new AppError('NotFound', { message: `There is no API route ${request.method} ${new URL(request.url).pathname}. See /api/docs.` })
  // Our body parser's errors (415, 413, InvalidJSON) arrive wrapped in Elysia's ParseError.
  if (code === 'PARSE') return toAppError((error as { cause?: unknown }).cause ?? error)
  return toAppError(error)
}

/**
 * The HTTP app's part of the pipeline, as an Elysia plugin: the `api` macro every route declares
 * (labels, authentication per mode, CSRF, rate limits, the capped JSON body parser, `call` for
 * the handler), JSON answers with their length, and errors through the JSON renderer.
 */
export function apiPlugin(ctx: SurfaceContext, adminToken: string | null) {
  return new Elysia({ name: 'cloudstorage-api', seed: ++instances })
    .macro({
      api: (o: ApiOptions) => {
        // Authentication runs before the body is read: a caller without credentials, or over
        // its rate, is answered without its body being touched.
        const authenticate = async ({ request }: { request: Request }) => {
          const state = stateOf(request)
          if (state.x.authenticated) return
          state.x.authenticated = true
          state.surface = o.surface
          state.operation = o.operation
          if (o.durable === false) state.durable = false
          if (o.auth !== 'none') {
            const principal = resolveApiPrincipal(ctx, request, adminToken, { allowSession: o.auth !== 'apiKey', allowApiKey: true })
            state.x.principal = principal
            if (principal) {
              state.principal = principal.accessKeyId ?? `${principal.via}:${principal.accountId}`
              state.accountId = principal.accountId
            }
            // Any credential, sessions too (`tui --login`): only a GET, and the pipeline keeps
            // only a successful JSON answer quiet, so at worst a page of ours hides its own reads.
            if (principal && request.method === 'GET' && (o.surface === 'dashboard' || o.surface === 'admin') &&
              request.headers.get(POLL_HEADER) === '1') state.quiet = true
            if (o.auth !== 'optional') {
              if (!principal) throw new AppError('Unauthorized', { message: o.auth === 'apiKey' ? 'Send X-API-Key: ACCESS_KEY:SECRET_KEY or Authorization: Bearer ACCESS_KEY:SECRET_KEY.' : 'Log in first, or send an API key.' })
              if (o.auth === 'admin' && !principal.isAdmin) throw new AppError('AccessDenied', { message: 'This endpoint is for administrators.' })
              checkCsrf(request, principal, { trustProxy: ctx.config.trustProxy })
              // The dashboard API budget (30/min) applies to sessions and API keys alike; the local admin
              // token (the TUI on the appliance itself) is exempt.
              if (o.auth !== 'apiKey' && principal.via !== 'adminToken') await ctx.services.rateLimits.checkDashboard(principal.accountId, principal.isAdmin)
              // REST calls with an access key share that key's S3 request budget.
              if (o.auth === 'apiKey' && principal.via === 'apiKey') {
                await ctx.services.rateLimits.checkS3({ kind: 'account', accountId: principal.accountId, isAdmin: principal.isAdmin, accessKeyId: principal.accessKeyId ?? null }, o.operation, request.method)
              }
            }
          }
          o.precheck?.(callOf(ctx, request, state))
        }
        const max = o.json === true ? DEFAULT_JSON_MAX : o.json?.max
        return {
          parse: max === undefined ? undefined : async ({ request }: { request: Request }) => {
            await authenticate({ request })
            return readJsonObject(request, max, stateOf(request).counter)
          },
          transform: authenticate,
          // For the OpenAPI document: the operation's name, who may call it, an upload's body.
          detail: { operationId: o.operation, security: securityFor(o.auth), ...(o.upload ? { requestBody: UPLOAD_BODY } : {}) } as DocumentDecoration,
          resolve: ({ request }: { request: Request }) => ({ call: callOf(ctx, request, stateOf(request)) }),
        }
      },
    })
    // Plain values become JSON with their length (the request log and byte metrics read it).
    // Typed as returning nothing, so route types (and the Eden client) keep their own answers.
    .mapResponse({ as: 'global' }, (({ responseValue, set }: { responseValue: unknown; set: { status?: number | string } }) => {
      if (responseValue instanceof Response || responseValue === undefined) return
      return json(responseValue, typeof set.status === 'number' ? set.status : 200)
    }) as (c: unknown) => void)
    .onError({ as: 'global' }, (({ code, error, request }: { code: unknown; error: unknown; request: Request }) => {
      const state = stateOf(request)
      const err = appErrorOf(code, error, request)
      if (code === 'NOT_FOUND') state.operation = 'UnknownRoute'
      state.error = err
      return jsonErrorResponse(err, state.requestId)
    }) as (c: unknown) => void)
}

export type ApiPlugin = ReturnType<typeof apiPlugin>
