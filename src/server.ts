import type { Server } from 'bun'
import type { AppContext } from './app'
import type { Config } from './config/config'
import { StartupError } from './errors/startup-error'
import { AppError } from './errors/app-error'
import type { Logger } from './log/logger'
import { newRequestId } from './http/common/request-id'
import { createS3Handler, isHealthProbe } from './http/s3/handler'
import { s3ErrorResponse } from './http/s3/render'
import { createHttpHandler } from './http/http-app'
import { jsonErrorResponse } from './http/api/route'

/** Bodies stream to disk and S3 allows 5 GiB single PUTs, so Bun's 128 MiB cap is lifted. */
const MAX_BODY = Number.MAX_SAFE_INTEGER
/** Seconds of silence before Bun drops a connection (its maximum; default 10 s is too short). */
const IDLE_TIMEOUT = 255

type Handler = (request: Request, server: Server<unknown>) => Response | Promise<Response>

export interface Listeners {
  s3Port: number
  port: number
  /** Replaces the "starting" answers with the appliance: from now on /healthz says ok. */
  activate(ctx: AppContext, log: Logger): void
  stop(): Promise<void>
}

const STARTING_MESSAGE = 'CloudStorage is starting; retry in a moment.'
const starting = () => new AppError('ServiceUnavailable', { message: STARTING_MESSAGE, headers: { 'retry-after': '1' } })

function startingHealth(): Response {
  return new Response(JSON.stringify({ status: 'starting' }), { status: 503, headers: { 'content-type': 'application/json', 'retry-after': '1' } })
}

/** Until ready, S3 clients get a retryable S3 error (the SDKs and CLIs retry 503s). */
const startingS3: Handler = (request) => {
  const url = new URL(request.url)
  const path = url.pathname
  // As on the running S3 port: a signed GET /healthz is ListObjects on a bucket named "healthz".
  if (isHealthProbe(request, path, url.searchParams.has('X-Amz-Signature'))) return startingHealth()
  const requestId = newRequestId()
  const res = s3ErrorResponse(starting(), request.method, path, requestId)
  res.headers.set('x-amz-request-id', requestId)
  res.headers.set('server', 'CloudStorage')
  return res
}

const startingHttp: Handler = (request) => {
  if (new URL(request.url).pathname === '/healthz' && request.method === 'GET') return startingHealth()
  const requestId = newRequestId()
  const res = jsonErrorResponse(starting(), requestId)
  res.headers.set('x-request-id', requestId)
  return res
}

/**
 * Binds one port exclusively (no SO_REUSEPORT: a second appliance on the same port must fail, not
 * share it and get every other request). The handler can be swapped while listening.
 */
function bind(config: Config, port: number, what: string, initial: Handler) {
  let handler = initial
  let server: Server<unknown>
  try {
    server = Bun.serve({
      hostname: config.host, port, reusePort: false, maxRequestBodySize: MAX_BODY, idleTimeout: IDLE_TIMEOUT, development: false,
      fetch: (request, srv) => handler(request, srv),
    })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    const why = code === 'EADDRINUSE' ? 'the port is already in use' : code === 'EACCES' ? 'permission denied' : (e as Error).message
    throw new StartupError(`cannot listen for ${what} on ${config.host}:${port}: ${why}`)
  }
  return { server, set: (h: Handler) => { handler = h } }
}

/**
 * Binds both ports before the database is opened, answering `/healthz` with 503 starting and
 * every other request with a retryable 503 until `activate()`: a service manager or script that
 * waits for a 200 from /healthz then finds every documented credential working.
 */
export function bindListeners(config: Config): Listeners {
  const s3 = bind(config, config.s3Port, 'the S3 endpoint', startingS3)
  let http: ReturnType<typeof bind>
  try {
    http = bind(config, config.port, 'the HTTP API', startingHttp)
  } catch (e) {
    s3.server.stop(true)
    throw e
  }
  return {
    s3Port: s3.server.port!,
    port: http.server.port!,
    activate(ctx, log) {
      // Both ports run every request through the one pipeline (src/http/pipeline.ts).
      const surfaces = { ...ctx, ports: { s3: s3.server.port!, http: http.server.port! } }
      http.set(createHttpHandler(surfaces, log))
      s3.set(createS3Handler(surfaces, log))
    },
    async stop() {
      // Stop accepting, let in-flight requests finish (bounded), then force-close.
      const graceful = Promise.all([s3.server.stop(false), http.server.stop(false)])
      const timeout = new Promise((r) => setTimeout(r, 10_000).unref?.())
      await Promise.race([graceful, timeout])
      await Promise.all([s3.server.stop(true), http.server.stop(true)])
    },
  }
}
