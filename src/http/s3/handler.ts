import type { Server } from 'bun'
import type { SurfaceContext } from '../context'
import type { Logger } from '../../log/logger'
import { clientIp } from '../common/client-ip'
import { healthResponse } from '../common/health'
import { createPipeline, type RequestState, type Surface } from '../pipeline'
import { authenticateS3, type S3Auth } from './authenticate'
import { makeCall } from './call'
import { s3ErrorResponse } from './render'
import { resolveS3, type S3Target } from './resolve'
import { runOperation } from './operations'
import { withCorsHeaders } from './operations/bucket-cors'
import { dashboardPreflight, withDashboardCors } from './dashboard-cors'

/** Who a preflight is: always anonymous. */
const preflightAuth = (): S3Auth => ({ principal: { kind: 'anonymous', ip: '' }, accessKeyId: null, payload: { kind: 'none' }, signing: null, presigned: false, hoisted: false })

function principalLabel(auth: S3Auth): string {
  const p = auth.principal
  return p.kind === 'account' ? (auth.accessKeyId ?? p.accountId) : p.kind
}

/** The S3 port's per-request data: the resolved target (CORS headers and error Resource need it). */
interface S3State { target: S3Target | null }

/** Unsigned GET /healthz is the probe; signed, the path parses as ListObjects on a bucket named "healthz". */
export function isHealthProbe(request: Request, path: string, hasSignatureQuery: boolean): boolean {
  return path === '/healthz' && request.method === 'GET' && !request.headers.has('authorization') && !hasSignatureQuery
}

/**
 * The S3 surface of the request pipeline: resolve → authenticate → rate limit → operation, errors
 * as S3 XML, S3's request-id headers and the bucket's CORS headers on every answer.
 */
export function s3Surface(ctx: SurfaceContext): Surface<S3State> {
  return {
    name: 's3',
    init: () => ({ target: null }),
    async dispatch(request: Request, server: Server<unknown> | null, state: RequestState<S3State>) {
      let target = resolveS3(request.method, request.url, request.headers, ctx.config.domain)
      state.path = target.decodedPath
      if (isHealthProbe(request, target.decodedPath, target.query.has('X-Amz-Signature'))) {
        state.operation = 'Health'
        state.durable = false
        return healthResponse()
      }
      state.x.target = target
      state.operation = target.op
      const now = ctx.now()
      // A CORS preflight carries no credentials of its own: the X-Amz-* query of a presigned
      // URL signs the actual request (another method), so it is never checked here.
      const auth = target.op === 'PreflightCors' ? preflightAuth() : authenticateS3(ctx, request, target, now)
      // Signed x-amz-* query parameters now stand as headers; x-amz-copy-source among them
      // turns PutObject into CopyObject (and UploadPart into UploadPartCopy).
      if (auth.hoisted) {
        state.x.target = target = resolveS3(request.method, request.url, request.headers, ctx.config.domain)
        state.operation = target.op
      }
      if (auth.principal.kind === 'anonymous') auth.principal.ip = clientIp(request, server, ctx.config.trustProxy)
      state.principal = principalLabel(auth)
      if (auth.principal.kind === 'account') state.accountId = auth.principal.accountId
      await ctx.services.rateLimits.checkS3(auth.principal, target.op, request.method)
      if (target.op === 'PreflightCors') {
        const answer = dashboardPreflight(ctx, request)
        if (answer) return answer
      }
      return runOperation(makeCall(ctx, request, target, auth, state.requestId, now, state.counter))
    },
    render: (err, request, state) => s3ErrorResponse(err, request.method, state.x.target?.decodedPath ?? state.path ?? '/', state.requestId),
    finish(response, request, state) {
      // The dashboard's own origin first; any other origin by the bucket's CORS rules.
      const dashboardAnswer = withDashboardCors(ctx, request, response)
      if (state.x.target && !dashboardAnswer) response = withCorsHeaders(ctx, state.x.target, request, response)
      response.headers.set('x-amz-request-id', state.requestId)
      response.headers.set('x-amz-id-2', state.requestId)
      response.headers.set('server', 'CloudStorage')
      return response
    },
  }
}

/** The S3 port's fetch handler. */
export function createS3Handler(ctx: SurfaceContext, log: Logger) {
  const pipeline = createPipeline(ctx, log)
  const surface = s3Surface(ctx)
  return (request: Request, server: Server<unknown> | null): Promise<Response> => pipeline(request, server, surface)
}
