import type { SurfaceContext } from '../../context'
import { AppError } from '../../../errors/app-error'
import { corsRulesFromXml, matchCorsRule, type CorsRule } from '../../../domain/cors'
import type { S3Call } from '../call'
import type { S3Target } from '../resolve'
import { el, parseXmlBody, xmlDoc, xmlResponse } from '../xml'

const rulesOf = (json: string | null): CorsRule[] | null => (json ? (JSON.parse(json) as CorsRule[]) : null)

export function getBucketCors(c: S3Call<'GetBucketCors'>): Response {
  const rules = rulesOf(c.bucket().corsJson)
  if (!rules) throw new AppError('NoSuchCORSConfiguration')
  const body = rules.map((r) =>
    '<CORSRule>' + el('ID', r.id) +
    r.allowedHeaders.map((h) => el('AllowedHeader', h)).join('') +
    r.allowedMethods.map((m) => el('AllowedMethod', m)).join('') +
    r.allowedOrigins.map((o) => el('AllowedOrigin', o)).join('') +
    r.exposeHeaders.map((h) => el('ExposeHeader', h)).join('') +
    el('MaxAgeSeconds', r.maxAgeSeconds) + '</CORSRule>').join('')
  return xmlResponse(xmlDoc('CORSConfiguration', body))
}

export async function putBucketCors(c: S3Call<'PutBucketCors'>): Promise<Response> {
  const b = c.bucket()
  const rules = corsRulesFromXml(parseXmlBody(await c.readSmallBody(64 * 1024), 'CORSConfiguration'))
  c.ctx.services.buckets.setCors(b.id, rules)
  return new Response(null, { status: 200 })
}

export function deleteBucketCors(c: S3Call<'DeleteBucketCors'>): Response {
  c.ctx.services.buckets.setCors(c.bucket().id, null)
  return new Response(null, { status: 204 })
}

/** Access-Control-Request-Headers as a list of lower-case names (S3 echoes them lower-cased). */
function requestedHeaders(h: Headers): string[] {
  return (h.get('access-control-request-headers') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
}

/**
 * The response headers of a matched rule, as S3 sends them on preflights and actual responses:
 * a rule allowing any origin answers `*` (and no credentials), any other echoes the origin.
 */
function corsHeaders(rule: CorsRule, origin: string, requested: string[]): Record<string, string> {
  const any = rule.allowedOrigins.includes('*')
  const h: Record<string, string> = {
    'access-control-allow-origin': any ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  }
  if (!any) h['access-control-allow-credentials'] = 'true'
  if (requested.length) h['access-control-allow-headers'] = requested.join(', ')
  if (rule.exposeHeaders.length) h['access-control-expose-headers'] = rule.exposeHeaders.join(', ')
  if (rule.maxAgeSeconds !== undefined) h['access-control-max-age'] = String(rule.maxAgeSeconds)
  return h
}

/**
 * The rule S3 applies to a request from `origin`: like S3, a request that carries
 * Access-Control-Request-Method / -Headers is judged by them (as a preflight would be), any
 * other by its own method and no headers.
 */
function ruleFor(rules: CorsRule[], request: Request, origin: string): CorsRule | null {
  const h = request.headers
  return matchCorsRule(rules, origin, h.get('access-control-request-method') ?? request.method, requestedHeaders(h))
}

/**
 * OPTIONS preflight: anonymous by design (browsers send no credentials, and the query of a
 * presigned URL signs the actual request, not this one). Answers as S3: 400 without Origin,
 * 403 AccessForbidden when the bucket is missing, has no CORS configuration or no rule matches.
 */
export function preflightCors(c: S3Call<'PreflightCors'>): Response {
  const h = c.request.headers
  const origin = h.get('origin')
  if (!origin) throw new AppError('BadRequest', { message: 'Insufficient information. Origin request header needed.' })
  const method = h.get('access-control-request-method')
  const forbidden = (message: string | undefined, resourceType: 'BUCKET' | 'OBJECT') =>
    new AppError('AccessForbidden', { message, fields: { Method: method ?? 'OPTIONS', ResourceType: resourceType } })
  const b = c.target.bucket ? c.ctx.services.buckets.find(c.target.bucket) : null
  if (!b) throw forbidden('CORSResponse: Bucket not found', 'BUCKET')
  const rules = rulesOf(b.corsJson)
  if (!rules) throw forbidden('CORSResponse: CORS is not enabled for this bucket.', 'BUCKET')
  const rule = method ? ruleFor(rules, c.request, origin) : null
  if (!rule) throw forbidden(undefined, c.target.key === null ? 'BUCKET' : 'OBJECT')
  return new Response(null, { status: 200, headers: corsHeaders(rule, origin, requestedHeaders(h)) })
}

/**
 * Adds CORS headers to an actual (non-preflight) response, errors included, when the bucket's
 * rules allow the request; otherwise the response goes out unchanged and the browser blocks it.
 */
export function withCorsHeaders(ctx: SurfaceContext, target: S3Target, request: Request, response: Response): Response {
  const origin = request.headers.get('origin')
  const bucket = 'bucket' in target ? target.bucket : null
  if (!origin || !bucket || target.op === 'PreflightCors') return response
  const b = ctx.services.buckets.find(bucket)
  const rules = b ? rulesOf(b.corsJson) : null
  if (!rules) return response
  const rule = ruleFor(rules, request, origin)
  if (!rule) return response
  for (const [k, v] of Object.entries(corsHeaders(rule, origin, requestedHeaders(request.headers)))) response.headers.set(k, v)
  return response
}
