import { AppError } from '../../errors/app-error'
import type { SurfaceContext } from '../context'
import type { Principal } from '../../services/deps'
import {
  EMPTY_SHA256, buildCanonicalRequest, checkSingleAuthParams, checkTime, hmacHex, isPresignParam, parseAuthorizationHeader, parsePresignedQuery,
  requestDate, signaturesEqual, signingKey, stringToSign, type Credential,
} from '../../auth/sigv4'
import { CHECKSUMS } from '../../domain/checksums'
import type { S3Target } from './resolve'

export type PayloadMode =
  | { kind: 'none' } // anonymous: no signature covers the body
  | { kind: 'unsigned' }
  | { kind: 'literal'; sha256: string }
  | { kind: 'chunked'; signed: boolean; trailer: boolean }

export interface S3Auth {
  principal: Principal
  accessKeyId: string | null
  payload: PayloadMode
  /** For signed aws-chunked bodies: the chain's seed. */
  signing: { key: Buffer; amzDate: string; credential: Credential; seedSignature: string } | null
  presigned: boolean
  /** Presigned only: signed x-amz-* query parameters were applied as headers (the operation may change). */
  hoisted: boolean
}

const STREAMING: Record<string, { signed: boolean; trailer: boolean }> = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signed: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signed: true, trailer: true },
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signed: false, trailer: true },
}

// SigV4a (ECDSA) streaming modes exist on AWS but need SigV4a credentials, which we do not issue.
const SIGV4A_STREAMING = ['STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD', 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER']
const HEX_SHA256 = /^[0-9a-f]{64}$/i

/** Called only once the signature has been verified: an unauthenticated caller learns nothing. */
function payloadModeOf(value: string | null, presigned: boolean): PayloadMode {
  if (value === null) {
    if (presigned) return { kind: 'unsigned' }
    throw new AppError('InvalidRequest', { message: 'Missing required header for this request: x-amz-content-sha256' })
  }
  if (value === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' }
  if (HEX_SHA256.test(value)) return { kind: 'literal', sha256: value.toLowerCase() }
  const s = STREAMING[value]
  if (s) return { kind: 'chunked', ...s }
  if (SIGV4A_STREAMING.includes(value)) throw new AppError('NotImplemented', { message: `The payload signing mode ${value} (SigV4a) is not supported.` })
  throw new AppError('InvalidArgument', {
    message: `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, ${Object.keys(STREAMING).join(', ')} or a valid sha256 value.`,
    fields: { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value.slice(0, 128) },
  })
}

/**
 * x-amz-* headers that only let the server verify the request (payload hash, flexible checksums
 * and their trailer, the decoded length of an aws-chunked body, the signing date, which the
 * signature covers anyway): AWS and the SDKs may leave these out of SignedHeaders. Every other
 * x-amz-* header changes what the request does (copy source, metadata, ACL, tagging, storage
 * class, encryption, object lock, directives, …) and must be signed.
 */
const VERIFICATION_ONLY = new Set([
  'x-amz-content-sha256', 'x-amz-date', 'x-amz-decoded-content-length', 'x-amz-trailer', 'x-amz-sdk-checksum-algorithm',
  ...Object.values(CHECKSUMS).map((c) => c.header),
])

/** The request's x-amz-* headers the signature does not cover, except verification-only ones. */
export function unsignedAmzHeaders(headers: Headers, signedHeaders: string[]): string[] {
  const signed = new Set(signedHeaders)
  const out: string[] = []
  for (const [name] of headers) if (name.startsWith('x-amz-') && !signed.has(name) && !VERIFICATION_ONLY.has(name)) out.push(name)
  return out
}

/**
 * Presigners (the JS SDK's, for one) move x-amz-* headers into the query string, where the
 * signature covers them; AWS then treats them as the headers they stand for. So do we, after
 * verification, for parameters not also sent as headers. Flexible-checksum parameters are
 * ignored as on AWS: a presigner computes them over an empty body it never sees.
 */
function hoistSignedQueryHeaders(pairs: Array<[string, string]>, headers: Headers): boolean {
  let hoisted = false
  for (const [k, v] of pairs) {
    const name = k.toLowerCase()
    if (!name.startsWith('x-amz-') || isPresignParam(name) || name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm') continue
    if (headers.has(name)) continue
    headers.set(name, v)
    hoisted = true
  }
  return hoisted
}

/**
 * One dispatcher for every auth type, denying by default: SigV4 header, presigned query, or
 * anonymous (allowed later only for public reads). Signatures compare in constant time; the
 * payload mode is taken from what was signed, never downgraded.
 */
export function authenticateS3(ctx: SurfaceContext, request: Request, target: S3Target, now: number): S3Auth {
  const headers = request.headers
  const authHeader = headers.get('authorization')
  const presigned = target.query.has('X-Amz-Algorithm') || target.query.has('X-Amz-Signature') || target.query.has('X-Amz-Credential')
  if (authHeader && presigned) {
    throw new AppError('InvalidArgument', { message: 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.' })
  }
  if (!authHeader && !presigned) {
    if (target.query.has('Signature') || target.query.has('AWSAccessKeyId')) throw new AppError('InvalidRequest', { message: 'Signature Version 2 is not supported; please use AWS4-HMAC-SHA256.' })
    const hash = headers.get('x-amz-content-sha256')
    return { principal: { kind: 'anonymous', ip: '' }, accessKeyId: null, payload: hash && HEX_SHA256.test(hash) ? { kind: 'literal', sha256: hash.toLowerCase() } : { kind: 'none' }, signing: null, presigned: false, hoisted: false }
  }

  if (presigned) checkSingleAuthParams(target.queryPairs)
  const parsed = authHeader ? parseAuthorizationHeader(authHeader, requestDate(headers)) : parsePresignedQuery(target.query)
  const key = ctx.services.keys.resolve(parsed.credential.accessKeyId)
  if (!key) throw new AppError('InvalidAccessKeyId', { fields: { AWSAccessKeyId: parsed.credential.accessKeyId } })
  checkTime(parsed, now)

  // The payload hash the signature covers. Presigned URLs cover a payload hash only when the
  // header is signed; the mode a value names is checked after the signature.
  const contentSha = presigned && !parsed.signedHeaders.includes('x-amz-content-sha256') ? null : headers.get('x-amz-content-sha256')
  if (!presigned && contentSha === null) throw new AppError('InvalidRequest', { message: 'Missing required header for this request: x-amz-content-sha256' })
  const payloadHash = presigned ? (contentSha !== null && HEX_SHA256.test(contentSha) ? contentSha.toLowerCase() : 'UNSIGNED-PAYLOAD') : (contentSha as string)
  if (!parsed.signedHeaders.includes('host')) throw new AppError('AccessDenied', { message: 'The host header must be signed.' })

  const canonical = buildCanonicalRequest({
    method: request.method, decodedPath: target.decodedPath, query: target.queryPairs, headers,
    signedHeaders: parsed.signedHeaders, payloadHash, presigned,
  })
  const sk = signingKey(key.secret, parsed.credential)
  const sts = stringToSign(parsed.amzDate, parsed.credential, canonical)
  const expected = hmacHex(sk, sts)
  if (!signaturesEqual(expected, parsed.signature)) {
    throw new AppError('SignatureDoesNotMatch', { fields: { AWSAccessKeyId: parsed.credential.accessKeyId, StringToSign: sts, CanonicalRequest: canonical } })
  }
  const unsigned = unsignedAmzHeaders(headers, parsed.signedHeaders)
  if (unsigned.length) {
    throw new AppError('AccessDenied', { message: 'There were headers present in the request which were not signed', fields: { HeadersNotSigned: unsigned.join(', ') } })
  }
  const payload = payloadModeOf(contentSha, presigned)
  if (!key.active) throw new AppError('AccessDenied', { message: 'This account is suspended.' })
  const hoisted = presigned && hoistSignedQueryHeaders(target.queryPairs, headers)
  ctx.services.keyUsage.touch(parsed.credential.accessKeyId, now)
  return {
    principal: { kind: 'account', accountId: key.accountId, isAdmin: key.isAdmin, accessKeyId: parsed.credential.accessKeyId },
    accessKeyId: parsed.credential.accessKeyId,
    payload,
    signing: payload.kind === 'chunked' && payload.signed ? { key: sk, amzDate: parsed.amzDate, credential: parsed.credential, seedSignature: parsed.signature } : null,
    presigned,
    hoisted,
  }
}

export { EMPTY_SHA256 }
