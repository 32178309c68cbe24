import type { Server } from 'bun'
import type { SurfaceContext } from '../context'
import { AppError, toAppError } from '../../errors/app-error'
import type { Logger } from '../../log/logger'
import { newRequestId } from '../common/request-id'
import { clientIp } from '../common/client-ip'
import { healthBody } from '../../server'
import { authenticateS3, type S3Auth } from './authenticate'
import { makeCall } from './call'
import { s3ErrorResponse } from './render'
import { resolveS3, type S3Target } from './resolve'
import { runOperation } from './operations'
import { withCorsHeaders } from './operations/bucket-cors'

/** Who a preflight is: always anonymous. */
const preflightAuth = (): S3Auth => ({ principal: { kind: 'anonymous', ip: '' }, accessKeyId: null, payload: { kind: 'none' }, signing: null, presigned: false, hoisted: false })

function principalLabel(auth: S3Auth | null): string {
  if (!auth) return '-'
  const p = auth.principal
  return p.kind === 'account' ? (auth.accessKeyId ?? p.accountId) : p.kind
}

function responseBytes(r: Response): number {
  const n = Number(r.headers.get('content-length'))
  return Number.isFinite(n) ? n : 0
}

/**
 * The S3 request pipeline: request id → in-flight gate → resolve → authenticate → rate limit →
 * operation → CORS headers, with one place that renders errors, logs and records metrics.
 */
export function createS3Handler(ctx: SurfaceContext, log: Logger) {
  const gate = ctx.gate

  return async function handleS3(request: Request, server: Server<unknown> | null): Promise<Response> {
    const started = performance.now()
    const requestId = newRequestId()
    const counter = { bytes: 0 }
    let target: S3Target | null = null
    let auth: S3Auth | null = null
    let response: Response
    let errorCode: string | undefined
    /** Set for requests answered before an S3 operation runs (the health probe). */
    let answeredAs: string | undefined
    const acquired = gate.tryAcquire()
    try {
      if (!acquired) throw new AppError('SlowDown', { headers: { 'retry-after': '1' } })
      target = resolveS3(request.method, request.url, request.headers, ctx.config.domain)
      if (target.decodedPath === '/healthz' && request.method === 'GET' && !request.headers.has('authorization') && !target.query.has('X-Amz-Signature')) {
        response = new Response(healthBody(), { headers: { 'content-type': 'application/json' } })
        answeredAs = 'Health' // the path parses as ListObjects on a bucket named "healthz"
      } else {
        const now = ctx.now()
        // A CORS preflight carries no credentials of its own: the X-Amz-* query of a presigned
        // URL signs the actual request (another method), so it is never checked here.
        auth = target.op === 'PreflightCors' ? preflightAuth() : authenticateS3(ctx, request, target, now)
        // Signed x-amz-* query parameters now stand as headers; x-amz-copy-source among them
        // turns PutObject into CopyObject (and UploadPart into UploadPartCopy).
        if (auth.hoisted) target = resolveS3(request.method, request.url, request.headers, ctx.config.domain)
        if (auth.principal.kind === 'anonymous') auth.principal.ip = clientIp(request, server, ctx.config.trustProxy)
        await ctx.services.rateLimits.checkS3(auth.principal, target.op, request.method)
        const call = makeCall(ctx, request, target, auth, requestId, now, counter)
        response = await runOperation(call)
        // Acknowledge changes only once they are on disk (shared WAL fsync); reads wait too, so
        // nobody is shown a change a power cut could still undo (free when no write is pending).
        // After a failed WAL fsync writes are refused for good, but reads go on.
        if (request.method === 'GET' || request.method === 'HEAD') await ctx.services.durable().catch(() => {})
        else await ctx.services.durable()
        response = withCorsHeaders(ctx, target, request, response)
      }
    } catch (e) {
      // A failed request may still have committed something (e.g. part of a batch): sync it too.
      if (request.method !== 'GET' && request.method !== 'HEAD') await ctx.services.durable().catch(() => {})
      const err = toAppError(e)
      // 501 answers a request for something we do not implement: the client's doing, not a fault.
      if (err.status >= 500 && err.code !== 'NotImplemented') log.error(`S3 ${request.method} ${target?.op ?? '?'} failed [${requestId}]`, (e as AppError).cause ?? e)
      errorCode = err.code
      response = s3ErrorResponse(err, request.method, target?.decodedPath ?? '/', requestId)
      if (target) response = withCorsHeaders(ctx, target, request, response)
    } finally {
      if (acquired) gate.release()
    }
    response.headers.set('x-amz-request-id', requestId)
    response.headers.set('x-amz-id-2', requestId)
    response.headers.set('server', 'CloudStorage')
    const ms = performance.now() - started
    const op = answeredAs ?? target?.op ?? 'Unknown'
    const bytesOut = request.method === 'HEAD' ? 0 : responseBytes(response)
    ctx.metrics.recordRequest({ surface: 's3', operation: op, status: response.status, seconds: ms / 1000, bytesIn: counter.bytes, bytesOut, error: errorCode })
    log.request({
      time: new Date().toISOString(), requestId, surface: 's3', method: request.method, path: target?.decodedPath ?? new URL(request.url).pathname,
      operation: op, status: response.status, bytesIn: counter.bytes, bytesOut, ms, principal: principalLabel(auth), error: errorCode,
    })
    return response
  }
}
