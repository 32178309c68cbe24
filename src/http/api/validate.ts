import { AppError } from '../../errors/app-error'

/** The parts of a TypeBox validation error (Elysia's ValidationError.all) read here. */
interface SchemaError {
  type: number
  path: string
  schema: Record<string, unknown> & { error?: unknown; properties?: Record<string, unknown> }
  /** A union's: the errors of each of its variants. */
  errors?: Iterable<SchemaError>[]
}

// TypeBox's ValueErrorType numbers for the cases worded separately.
const ADDITIONAL_PROPERTY = 42
const REQUIRED_PROPERTY = 45
const UNION = 62

/** Unknown fields first, then missing ones, then the first other problem. */
const mostTelling = (all: SchemaError[]) =>
  all.find((x) => x.type === ADDITIONAL_PROPERTY) ?? all.find((x) => x.type === REQUIRED_PROPERTY) ?? all[0]

/**
 * A value that failed a union (`cors: [...] | null`) but has the shape of one variant failed
 * inside it: that variant's own error (an unknown field of a rule) says more than "must be
 * array or null". Without a custom message, the union's variants are searched for errors deeper
 * than the union itself.
 */
function deepest(e: SchemaError): SchemaError {
  if (e.type !== UNION || typeof e.schema?.error === 'string' || !e.errors) return e
  for (const variant of e.errors) {
    const inner = [...variant].filter((x) => x.path.length > e.path.length)
    if (inner.length) return deepest(mostTelling(inner))
  }
  return e
}

/** '/cors/0/allowedOrigins' → 'cors[0].allowedOrigins'. */
function fieldName(path: string): string {
  return path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, seg) => (/^\d+$/.test(seg) ? `${name}[${seg}]` : name ? `${name}.${seg}` : seg), '')
}

/** 'string', 'number or null', 'an integer from 1 to 1000' … from a (JSON) schema. */
function describe(s: Record<string, unknown>): string {
  if (Array.isArray(s.anyOf)) return [...new Set((s.anyOf as Array<Record<string, unknown>>).map(describe))].join(' or ')
  if (s.const !== undefined) return JSON.stringify(s.const)
  const range = typeof s.minimum === 'number' && typeof s.maximum === 'number' ? ` from ${s.minimum} to ${s.maximum}` : ''
  if (s.type === 'integer' || (s.type === 'number' && s.multipleOf === 1)) return `an integer${range}`
  return String(s.type ?? 'valid')
}

/**
 * Elysia's validation failure as our 400 ValidationError naming the field, worded as the API
 * always has: unknown fields first, then missing ones, then wrong types (a schema's own `error`
 * text wins). A path parameter that failed is broken percent-encoding (400 InvalidURI); a
 * response that does not match its declaration is our fault (500).
 */
export function validationError(e: unknown, url: string): AppError {
  const v = e as { type?: string; all?: SchemaError[] }
  if (v.type === 'response') return new AppError('InternalError', { cause: e })
  if (v.type === 'params') {
    const raw = new URL(url).pathname.split('/').find((seg) => { try { decodeURIComponent(seg); return false } catch { return true } }) ?? ''
    return new AppError('InvalidURI', { message: `The path segment '${raw.slice(0, 100)}' is not valid percent-encoding.` })
  }
  const all = v.all ?? []
  const what = v.type === 'query' ? 'query parameter' : 'field'
  const top = mostTelling(all)
  if (!top) return new AppError('ValidationError')
  const first = deepest(top)
  const name = fieldName(first.path)
  if (typeof first.schema?.error === 'string') return new AppError('ValidationError', { message: first.schema.error })
  if (first.type === ADDITIONAL_PROPERTY) {
    const allowed = Object.keys(first.schema.properties ?? {}).join(', ')
    return new AppError('ValidationError', { message: `Unknown ${what} '${name}'. Allowed: ${allowed}.` })
  }
  if (first.type === REQUIRED_PROPERTY) return new AppError('ValidationError', { message: `The ${what} '${name}' is required.` })
  if (!name) return new AppError('ValidationError', { message: v.type === 'body' ? 'The body must be a JSON object.' : 'The request is invalid.' })
  return new AppError('ValidationError', { message: `The ${what} '${name}' must be ${describe(first.schema)}.` })
}

/**
 * A query parameter as URLSearchParams reads it ('+' is a space), except that malformed
 * percent-encoding or invalid UTF-8 (`?key=%FF`) is a 400 ValidationError: URLSearchParams would
 * silently turn it into U+FFFD (and Elysia keep it raw), storing a file under a name the client
 * never sent.
 */
export function queryParam(url: URL, name: string): string | null {
  for (const part of url.search.slice(1).split('&')) {
    const eq = part.indexOf('=')
    const rawName = eq < 0 ? part : part.slice(0, eq)
    let decodedName: string
    try { decodedName = decodeURIComponent(rawName.replace(/\+/g, ' ')) } catch { continue }
    if (decodedName !== name) continue
    const raw = eq < 0 ? '' : part.slice(eq + 1)
    try {
      return decodeURIComponent(raw.replace(/\+/g, ' '))
    } catch {
      throw new AppError('ValidationError', { message: `The query parameter '${name}' is not valid percent-encoded UTF-8.` })
    }
  }
  return null
}
