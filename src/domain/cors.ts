import { AppError } from '../errors/app-error'

export interface CorsRule {
  id?: string
  allowedOrigins: string[]
  allowedMethods: string[]
  allowedHeaders: string[]
  exposeHeaders: string[]
  maxAgeSeconds?: number
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'HEAD']
const MAX_RULES = 100

const asList = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x)))

/** Validates a parsed <CORSConfiguration> into rules (S3's limits and error codes). */
export function corsRulesFromXml(doc: Record<string, any>): CorsRule[] {
  const raw = doc.CORSRule
  if (!Array.isArray(raw) || raw.length === 0) throw new AppError('MalformedXML', { message: 'A CORS configuration needs at least one CORSRule.' })
  if (raw.length > MAX_RULES) throw new AppError('InvalidRequest', { message: `A CORS configuration can have at most ${MAX_RULES} rules.` })
  return raw.map((r: any) => {
    const rule: CorsRule = {
      id: r.ID !== undefined ? String(r.ID) : undefined,
      allowedOrigins: asList(r.AllowedOrigin),
      allowedMethods: asList(r.AllowedMethod),
      allowedHeaders: asList(r.AllowedHeader),
      exposeHeaders: asList(r.ExposeHeader),
    }
    if (r.MaxAgeSeconds !== undefined) {
      if (!/^\d+$/.test(String(r.MaxAgeSeconds))) throw new AppError('MalformedXML', { message: 'MaxAgeSeconds must be a non-negative integer.' })
      rule.maxAgeSeconds = Number(r.MaxAgeSeconds)
    }
    if (!rule.allowedOrigins.length || !rule.allowedMethods.length) throw new AppError('MalformedXML', { message: 'Each CORSRule needs AllowedOrigin and AllowedMethod.' })
    for (const m of rule.allowedMethods) {
      if (!METHODS.includes(m)) throw new AppError('InvalidRequest', { message: `Found unsupported HTTP method in CORS config. Unsupported method is ${m}` })
    }
    for (const o of rule.allowedOrigins) {
      if ((o.match(/\*/g) ?? []).length > 1) throw new AppError('InvalidRequest', { message: `AllowedOrigin "${o}" can not have more than one wildcard.` })
    }
    for (const h of [...rule.allowedHeaders, ...rule.exposeHeaders]) {
      if (/[\r\n]/.test(h)) throw new AppError('InvalidRequest', { message: 'CORS header names must not contain line breaks.' })
    }
    return rule
  })
}

/** Glob with at most one '*', case-insensitive for headers, exact case for origins. */
function globMatch(pattern: string, value: string, ci: boolean): boolean {
  const p = ci ? pattern.toLowerCase() : pattern
  const v = ci ? value.toLowerCase() : value
  const star = p.indexOf('*')
  if (star < 0) return p === v
  return v.length >= p.length - 1 && v.startsWith(p.slice(0, star)) && v.endsWith(p.slice(star + 1))
}

/** The first rule allowing this origin, method and every requested header. */
export function matchCorsRule(rules: CorsRule[], origin: string, method: string, requestHeaders: string[]): CorsRule | null {
  for (const r of rules) {
    if (!r.allowedOrigins.some((o) => globMatch(o, origin, false))) continue
    if (!r.allowedMethods.includes(method)) continue
    if (!requestHeaders.every((h) => r.allowedHeaders.some((a) => globMatch(a, h, true)))) continue
    return r
  }
  return null
}
