import { AppError } from '../../errors/app-error'

type Base = 'string' | 'boolean' | 'number' | 'array' | 'object' | 'null'
/** One type or several joined by '|', e.g. 'string|number|null'. */
type Kind = Base | `${Base}|${Base}` | `${Base}|${Base}|${Base}`

/**
 * Checks a JSON body against a field spec: unknown fields, missing required fields and wrong
 * types are a 400 ValidationError naming the field.
 */
export function checkFields<T extends Record<string, unknown>>(body: Record<string, unknown>, spec: Record<string, Kind>, required: string[] = []): T {
  for (const k of Object.keys(body)) {
    if (!(k in spec)) throw new AppError('ValidationError', { message: `Unknown field '${k}'. Allowed: ${Object.keys(spec).join(', ')}.` })
  }
  for (const k of required) {
    if (body[k] === undefined) throw new AppError('ValidationError', { message: `The field '${k}' is required.` })
  }
  for (const [k, kind] of Object.entries(spec)) {
    const v = body[k]
    if (v === undefined) continue
    const ok = kind.split('|').some((t) =>
      t === 'null' ? v === null : t === 'array' ? Array.isArray(v) : t === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === t)
    if (!ok) throw new AppError('ValidationError', { message: `The field '${k}' must be ${kind.split('|').join(' or ')}.` })
  }
  return body as T
}

/**
 * The path segment at `index` (split on '/'), percent-decoded. Malformed escapes such as
 * '%E0%A4%A' are a 400 InvalidURI, not the URIError (500) decodeURIComponent throws.
 */
export function pathParam(url: URL, index: number): string {
  const raw = url.pathname.split('/')[index] ?? ''
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new AppError('InvalidURI', { message: `The path segment '${raw.slice(0, 100)}' is not valid percent-encoding.` })
  }
}

/**
 * A query parameter as URLSearchParams reads it ('+' is a space), except that malformed
 * percent-encoding or invalid UTF-8 (`?key=%FF`) is a 400 ValidationError: URLSearchParams would
 * silently turn it into U+FFFD, storing a file under a name the client never sent.
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
