import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { AppError } from '../errors/app-error'
import { awsUriEncode } from './uri-encode'

export const ALGORITHM = 'AWS4-HMAC-SHA256'
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
export const MAX_SKEW_MS = 15 * 60 * 1000
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600

export interface Credential {
  accessKeyId: string
  date: string // YYYYMMDD
  region: string
  service: string
}

export interface ParsedAuth {
  kind: 'header' | 'presigned'
  credential: Credential
  signedHeaders: string[]
  signature: string
  amzDate: string // YYYYMMDD'T'HHMMSS'Z'
  /** Presigned only: seconds of validity. */
  expires?: number
}

export const scopeOf = (c: Credential) => `${c.date}/${c.region}/${c.service}/aws4_request`
export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')

/** A header name as SignedHeaders must list it: a lower-case RFC 9110 token. */
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/

function parseSignedHeaders(raw: string, errCode: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): string[] {
  const names = raw.split(';')
  for (const n of names) {
    if (!HEADER_NAME.test(n)) throw new AppError(errCode, { message: `SignedHeaders lists '${n.slice(0, 64)}', which is not a lower-case header name.` })
  }
  return names
}

/** Every SigV4 query-auth parameter; each may appear at most once. */
export const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token', 'X-Amz-Content-Sha256']
const PRESIGN_PARAMS_LOWER = new Set(PRESIGN_PARAMS.map((p) => p.toLowerCase()))
export const isPresignParam = (name: string) => PRESIGN_PARAMS_LOWER.has(name.toLowerCase())

/**
 * A repeated auth parameter (two X-Amz-Signature values, say) is ambiguous: which one was
 * checked and which one a proxy or log saw could differ. Refused outright, in any letter case.
 */
export function checkSingleAuthParams(pairs: Array<[string, string]>): void {
  const seen = new Set<string>()
  for (const [k] of pairs) {
    const l = k.toLowerCase()
    if (!PRESIGN_PARAMS_LOWER.has(l)) continue
    if (seen.has(l)) throw new AppError('AuthorizationQueryParametersError', { message: `The query parameter ${k} appears more than once.` })
    seen.add(l)
  }
}

function parseCredential(raw: string, errCode: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): Credential {
  const parts = raw.split('/')
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1])) {
    throw new AppError(errCode, { message: `The credential '${raw}' is malformed; expected "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".` })
  }
  if (parts[3] !== 's3') throw new AppError(errCode, { message: `The credential scope's service must be 's3', not '${parts[3]}'.` })
  return { accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3] }
}

/** Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseAuthorizationHeader(header: string, amzDate: string | null): ParsedAuth {
  if (!header.startsWith(ALGORITHM + ' ')) {
    if (header.startsWith('AWS ')) throw new AppError('InvalidRequest', { message: 'Signature Version 2 is not supported; please use AWS4-HMAC-SHA256.' })
    throw new AppError('AuthorizationHeaderMalformed', { message: 'Unsupported authorization type; use AWS4-HMAC-SHA256.' })
  }
  const fields: Record<string, string> = {}
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const i = part.indexOf('=')
    if (i < 0) continue
    const name = part.slice(0, i).trim()
    // A second Signature (or Credential…) would leave it open which one was verified.
    if (Object.hasOwn(fields, name)) throw new AppError('AuthorizationHeaderMalformed', { message: `The authorization header has more than one ${name.slice(0, 32)} field.` })
    fields[name] = part.slice(i + 1).trim()
  }
  const { Credential: cred, SignedHeaders: sh, Signature: sig } = fields
  if (!cred || !sh || !sig) throw new AppError('AuthorizationHeaderMalformed', { message: 'The authorization header requires Credential, SignedHeaders and Signature.' })
  if (!amzDate) throw new AppError('AccessDenied', { message: 'AWS authentication requires a valid Date or x-amz-date header.' })
  return {
    kind: 'header',
    credential: parseCredential(cred, 'AuthorizationHeaderMalformed'),
    signedHeaders: parseSignedHeaders(sh, 'AuthorizationHeaderMalformed'),
    signature: sig.toLowerCase(),
    amzDate,
  }
}

/** Parses presigned-URL query parameters (X-Amz-Algorithm, -Credential, -Date, -Expires, ...). */
export function parsePresignedQuery(q: Map<string, string>): ParsedAuth {
  const alg = q.get('X-Amz-Algorithm')
  if (alg !== ALGORITHM) throw new AppError('AuthorizationQueryParametersError', { message: 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".' })
  const cred = q.get('X-Amz-Credential')
  const date = q.get('X-Amz-Date')
  const expires = q.get('X-Amz-Expires')
  const sh = q.get('X-Amz-SignedHeaders')
  const sig = q.get('X-Amz-Signature')
  if (!cred || !date || !expires || !sh || !sig) {
    throw new AppError('AuthorizationQueryParametersError', { message: 'Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.' })
  }
  if (!/^\d+$/.test(expires)) throw new AppError('AuthorizationQueryParametersError', { message: 'X-Amz-Expires should be a number.' })
  const exp = Number(expires)
  if (exp < 1) throw new AppError('AuthorizationQueryParametersError', { message: 'X-Amz-Expires must be non-negative and greater than zero.' })
  if (exp > MAX_PRESIGN_SECONDS) throw new AppError('AuthorizationQueryParametersError', { message: 'X-Amz-Expires must be less than a week (in seconds) that is 604800.' })
  const signedHeaders = parseSignedHeaders(sh, 'AuthorizationQueryParametersError')
  if (!signedHeaders.includes('host')) throw new AppError('AuthorizationQueryParametersError', { message: 'X-Amz-SignedHeaders must include host.' })
  return { kind: 'presigned', credential: parseCredential(cred, 'AuthorizationQueryParametersError'), signedHeaders, signature: sig.toLowerCase(), amzDate: date, expires: exp }
}

/** Parses YYYYMMDD'T'HHMMSS'Z' to epoch ms; null when malformed. */
export function parseAmzDate(s: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (!m) return null
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])
  return Number.isNaN(t) ? null : t
}

/** Accepts x-amz-date or an HTTP Date header, returning the ISO basic form SigV4 signs. */
export function requestDate(headers: Headers): string | null {
  const amz = headers.get('x-amz-date')
  if (amz) return amz
  const d = headers.get('date')
  if (!d) return null
  const t = Date.parse(d)
  if (Number.isNaN(t)) return null
  return new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

/** Checks the request time against the server clock (±15 min) and presigned expiry. */
export function checkTime(auth: ParsedAuth, now: number): void {
  const t = parseAmzDate(auth.amzDate)
  if (t === null) throw new AppError(auth.kind === 'presigned' ? 'AuthorizationQueryParametersError' : 'AccessDenied', { message: 'X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'".' })
  if (auth.amzDate.slice(0, 8) !== auth.credential.date) {
    throw new AppError('SignatureDoesNotMatch', { message: 'The credential scope date does not match the request date.' })
  }
  const fields = { RequestTime: auth.amzDate, ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), MaxAllowedSkewMilliseconds: MAX_SKEW_MS }
  if (auth.kind === 'presigned') {
    if (t - now > MAX_SKEW_MS) throw new AppError('RequestTimeTooSkewed', { message: 'The presigned URL is dated in the future beyond the allowed clock skew.', fields })
    if (now > t + (auth.expires ?? 0) * 1000) {
      throw new AppError('AccessDenied', { message: 'Request has expired', fields: { 'X-Amz-Expires': String(auth.expires), Expires: new Date(t + (auth.expires ?? 0) * 1000).toISOString(), ServerTime: fields.ServerTime } })
    }
    return
  }
  if (Math.abs(t - now) > MAX_SKEW_MS) throw new AppError('RequestTimeTooSkewed', { fields })
}

/** Canonical URI: decoded path re-encoded per AWS rules (S3 does not double-encode). */
export function canonicalUri(decodedPath: string): string {
  return awsUriEncode(decodedPath, true) || '/'
}

/** Canonical query string from decoded pairs, sorted by encoded name then value. */
export function canonicalQuery(pairs: Array<[string, string]>, dropSignature: boolean): string {
  return pairs
    .filter(([k]) => !(dropSignature && k === 'X-Amz-Signature'))
    .map(([k, v]) => [awsUriEncode(k, false), awsUriEncode(v, false)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}

export function canonicalHeaders(headers: Headers, signed: string[]): string {
  let out = ''
  for (const name of signed) {
    const v = headers.get(name)
    if (v === null) throw new AppError('AccessDenied', { message: `The header '${name}' is listed in SignedHeaders but is missing from the request.` })
    out += `${name}:${v.trim().replace(/\s+/g, ' ')}\n`
  }
  return out
}

export function buildCanonicalRequest(input: {
  method: string
  decodedPath: string
  query: Array<[string, string]>
  headers: Headers
  signedHeaders: string[]
  payloadHash: string
  presigned: boolean
}): string {
  return [
    input.method,
    canonicalUri(input.decodedPath),
    canonicalQuery(input.query, input.presigned),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n')
}

const keyCache = new Map<string, Buffer>()

/** The derived signing key, cached per secret/date/region (it changes once a day). */
export function signingKey(secret: string, c: Credential): Buffer {
  const id = `${secret}\0${c.date}\0${c.region}\0${c.service}`
  let k = keyCache.get(id)
  if (!k) {
    const kDate = createHmac('sha256', 'AWS4' + secret).update(c.date).digest()
    const kRegion = createHmac('sha256', kDate).update(c.region).digest()
    const kService = createHmac('sha256', kRegion).update(c.service).digest()
    k = createHmac('sha256', kService).update('aws4_request').digest()
    if (keyCache.size > 1000) keyCache.clear()
    keyCache.set(id, k)
  }
  return k
}

export const hmacHex = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest('hex')

export function stringToSign(amzDate: string, c: Credential, canonicalRequest: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scopeOf(c)}\n${sha256Hex(canonicalRequest)}`
}

/** Constant-time comparison of two signatures (hex, base64url: any ASCII text). */
export function signaturesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a)
  const bb = Buffer.from(b)
  return ba.length === bb.length && timingSafeEqual(ba, bb)
}
