import type { Server } from 'bun'
import type { SurfaceContext } from './context'
import type { Logger } from '../log/logger'
import { AppError, toAppError } from '../errors/app-error'
import { newRequestId } from './common/request-id'

/**
 * What the pipeline knows about one request. Dispatch fills in the labels as it learns them
 * (the operation once the route or S3 target is known, the principal once authenticated).
 */
export interface RequestState<X = unknown> {
  readonly requestId: string
  readonly started: number
  /** Metrics and log labels. */
  surface: string
  operation: string
  /** Who asked, as the log shows it ('-' until known). */
  principal: string
  /** The authenticated account (its own traffic statistics), null for anonymous requests. */
  accountId: string | null
  /** The path the log shows (S3: the decoded path); the URL's path when null. */
  path: string | null
  /** Request body bytes read; streaming readers add to it. */
  readonly counter: { bytes: number }
  /** The error answered, when the surface rendered it itself (the HTTP app's onError). */
  error: AppError | null
  /** False for answers about the process, not stored data (health, metrics): no WAL wait. */
  durable: boolean
  /**
   * A background refresh (POLL_HEADER) the surface agreed to keep out of the metrics and the
   * request log; only a successful JSON answer stays quiet (see the HTTP app's api macro).
   */
  quiet: boolean
  /** The surface's own per-request data (S3: the resolved target). */
  readonly x: X
}

/** One port's protocol: how a request is dispatched, how errors look, what every answer carries. */
export interface Surface<X = unknown> {
  /** The surface label until dispatch says otherwise. */
  readonly name: string
  init(): X
  dispatch(request: Request, server: Server<unknown> | null, state: RequestState<X>): Response | Promise<Response>
  /** An error in this surface's format (S3 XML, JSON). */
  render(err: AppError, request: Request, state: RequestState<X>): Response
  /** Headers every answer carries (request ids, CORS). */
  finish(response: Response, request: Request, state: RequestState<X>): Response
}

/**
 * `X-CloudStorage-Poll: 1`: the TUI's own periodic reads. Honoured only for authenticated GET
 * requests to the HTTP port's dashboard and admin API (never on the S3 port), and only when they
 * succeed with JSON: an operator's monitor should not fill the log it is watching. A session
 * (`tui --login`) may send it too: another site's page cannot (a custom header needs a CORS
 * preflight, and the HTTP API grants no other origin), and failures are logged whoever asked.
 */
export const POLL_HEADER = 'x-cloudstorage-poll'

function responseBytes(request: Request, r: Response): number {
  if (request.method === 'HEAD') return 0
  const n = Number(r.headers.get('content-length'))
  return Number.isFinite(n) ? n : 0
}

/**
 * The one request pipeline, for both ports: in-flight gate (503 before any body is read) →
 * request id → the surface's dispatch → durable wait → error rendering → the surface's headers →
 * metrics → one log line.
 */
export function createPipeline(ctx: SurfaceContext, log: Logger) {
  const gate = ctx.gate
  return async function pipeline<X>(request: Request, server: Server<unknown> | null, surface: Surface<X>): Promise<Response> {
    const state: RequestState<X> = {
      requestId: newRequestId(), started: performance.now(), surface: surface.name, operation: 'Unknown', principal: '-', accountId: null,
      path: null, counter: { bytes: 0 }, error: null, durable: true, quiet: false, x: surface.init(),
    }
    const read = request.method === 'GET' || request.method === 'HEAD'
    let response: Response
    const acquired = gate.tryAcquire()
    try {
      if (!acquired) throw new AppError('SlowDown', { headers: { 'retry-after': '1' } })
      response = await surface.dispatch(request, server, state)
      // Acknowledge changes only once they are on disk (shared WAL fsync); reads wait too, so
      // nobody is shown a change a power cut could still undo (free when no write is pending).
      // After a failed WAL fsync writes are refused for good, but reads go on. A failed request
      // may still have committed something (part of a batch): synced, but it stays an error.
      if (state.durable) {
        if (read) await ctx.services.durable().catch(() => {})
        else if (state.error) await ctx.services.durable().catch(() => {})
        else await ctx.services.durable()
      }
    } catch (e) {
      if (!read) await ctx.services.durable().catch(() => {})
      state.error = toAppError(e)
      response = surface.render(state.error, request, state)
    } finally {
      if (acquired) gate.release()
    }
    const err = state.error
    // 501 answers a request for something we do not implement: the client's doing, not a fault.
    if (err && err.status >= 500 && err.code !== 'NotImplemented') {
      log.error(`${state.surface} ${request.method} ${state.operation} failed [${state.requestId}]`, err.cause ?? err)
    }
    response = surface.finish(response, request, state)
    // A failure is never quiet: errors are what an operator reads the log for.
    if (state.quiet && response.status < 400 && /^application\/json\b/.test(response.headers.get('content-type') ?? '')) return response
    const ms = performance.now() - state.started
    const bytesOut = responseBytes(request, response)
    const error = err?.code
    ctx.metrics.recordRequest({ surface: state.surface, operation: state.operation, status: response.status, seconds: ms / 1000, bytesIn: state.counter.bytes, bytesOut, error, accountId: state.accountId })
    log.request({
      time: new Date().toISOString(), requestId: state.requestId, surface: state.surface, method: request.method, path: state.path ?? new URL(request.url).pathname,
      operation: state.operation, status: response.status, bytesIn: state.counter.bytes, bytesOut, ms, principal: state.principal, error,
    })
    return response
  }
}

export type Pipeline = ReturnType<typeof createPipeline>
