import type { AppContext } from '../../../app'
import { AppError } from '../../../errors/app-error'
import { corsRulesFromXml, matchCorsRule, type CorsRule } from '../../../domain/cors'
import type { S3Call } from '../call'
import type { S3Target } from '../resolve'
import { el, parseXmlBody, xmlDoc, xmlResponse } from '../xml'

const rulesOf = (json: string | null): CorsRule[] | null => (json ? (JSON.parse(json) as CorsRule[]) : null)

export function getBucketCors(c: S3Call): Response {
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

export async function putBucketCors(c: S3Call): Promise<Response> {
  const b = c.bucket()
  const rules = corsRulesFromXml(parseXmlBody(await c.readSmallBody(64 * 1024), 'CORSConfiguration'))
  c.ctx.services.buckets.setCors(b.id, rules)
  return new Response(null, { status: 200 })
}

export function deleteBucketCors(c: S3Call): Response {
  c.ctx.services.buckets.setCors(c.bucket().id, null)
  return new Response(null, { status: 204 })
}

function allowHeaders(rule: CorsRule, origin: string): Record<string, string> {
  const h: Record<string, string> = {
    'access-control-allow-origin': rule.allowedOrigins.includes('*') ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  }
  if (rule.exposeHeaders.length) h['access-control-expose-headers'] = rule.exposeHeaders.join(', ')
  if (rule.maxAgeSeconds !== undefined) h['access-control-max-age'] = String(rule.maxAgeSeconds)
  if (!rule.allowedOrigins.includes('*')) h['access-control-allow-credentials'] = 'true'
  return h
}

/** OPTIONS preflight: anonymous by design (browsers send no credentials). */
export function preflightCors(c: S3Call): Response {
  const origin = c.request.headers.get('origin')
  const method = c.request.headers.get('access-control-request-method')
  if (!origin || !method) throw new AppError('BadRequest', { message: 'Insufficient information. Origin request header needed.' })
  const b = c.ctx.repos.buckets.byName(c.target.bucket!)
  if (!b) throw new AppError('NoSuchBucket')
  const requested = (c.request.headers.get('access-control-request-headers') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  const rule = matchCorsRule(rulesOf(b.corsJson) ?? [], origin, method, requested)
  if (!rule) throw new AppError('AccessForbidden')
  const headers = allowHeaders(rule, origin)
  if (requested.length) headers['access-control-allow-headers'] = requested.join(', ')
  return new Response(null, { status: 200, headers })
}

/** Adds CORS headers to an actual (non-preflight) response when the bucket's rules allow it. */
export function withCorsHeaders(ctx: AppContext, target: S3Target, request: Request, response: Response): Response {
  const origin = request.headers.get('origin')
  if (!origin || !target.bucket || target.op === 'PreflightCors') return response
  const b = ctx.repos.buckets.byName(target.bucket)
  const rules = b ? rulesOf(b.corsJson) : null
  if (!rules) return response
  const rule = matchCorsRule(rules, origin, request.method, [])
  if (!rule) return response
  const h = allowHeaders(rule, origin)
  for (const [k, v] of Object.entries(h)) response.headers.set(k, v)
  return response
}
