import { ALGORITHM, buildCanonicalRequest, hmacHex, MAX_PRESIGN_SECONDS, scopeOf, signingKey, stringToSign, type Credential } from './sigv4'
import { awsUriEncode } from './uri-encode'

export interface PresignInput {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE'
  /** Where the S3 port is reached: scheme, host and port (any path is ignored). */
  endpoint: string
  bucket: string
  key: string
  /** Operation parameters (uploadId, partNumber, versionId, uploads); values may be ''. */
  params: Array<[string, string]>
  /** Headers the client must send, lower-case names; they are signed along with host. */
  headers: Record<string, string>
  accessKeyId: string
  secret: string
  region: string
  now: number
  expiresIn: number
}

const amzDateOf = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')

/**
 * A SigV4 query-signed (presigned) path-style URL, as the SDKs' presigners make them: the body is
 * UNSIGNED-PAYLOAD, host and the given headers are signed. The S3 port verifies it with the same
 * canonicalization (src/http/s3/authenticate.ts).
 */
export function presignUrl(p: PresignInput): string {
  if (!Number.isInteger(p.expiresIn) || p.expiresIn < 1 || p.expiresIn > MAX_PRESIGN_SECONDS) throw new RangeError(`expiresIn must be 1..${MAX_PRESIGN_SECONDS}`)
  const base = new URL(p.endpoint)
  const amzDate = amzDateOf(p.now)
  const credential: Credential = { accessKeyId: p.accessKeyId, date: amzDate.slice(0, 8), region: p.region, service: 's3' }
  const headers = new Headers({ ...p.headers, host: base.host })
  const signedHeaders = [...new Set(['host', ...Object.keys(p.headers).map((h) => h.toLowerCase())])].sort()
  const query: Array<[string, string]> = [
    ...p.params,
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${p.accessKeyId}/${scopeOf(credential)}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(p.expiresIn)],
    ['X-Amz-SignedHeaders', signedHeaders.join(';')],
  ]
  const decodedPath = `/${p.bucket}/${p.key}`
  const canonical = buildCanonicalRequest({ method: p.method, decodedPath, query, headers, signedHeaders, payloadHash: 'UNSIGNED-PAYLOAD', presigned: true })
  const signature = hmacHex(signingKey(p.secret, credential), stringToSign(amzDate, credential, canonical))
  const search = [...query, ['X-Amz-Signature', signature]].map(([k, v]) => `${awsUriEncode(k, false)}=${awsUriEncode(v, false)}`).join('&')
  return `${base.protocol}//${base.host}${awsUriEncode(decodedPath, true)}?${search}`
}
