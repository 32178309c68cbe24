import { AppError } from '../../errors/app-error'
import type { AppContext } from '../../app'
import type { Principal } from '../../services/deps'
import {
  EMPTY_SHA256, buildCanonicalRequest, checkTime, hmacHex, parseAuthorizationHeader, parsePresignedQuery,
  requestDate, signaturesEqual, signingKey, stringToSign, type Credential,
} from '../../auth/sigv4'
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
}

const STREAMING: Record<string, { signed: boolean; trailer: boolean }> = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signed: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signed: true, trailer: true },
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signed: false, trailer: true },
}

function payloadModeOf(value: string | null, presigned: boolean): PayloadMode {
  if (value === null) {
    if (presigned) return { kind: 'unsigned' }
    throw new AppError('InvalidRequest', { message: 'Missing required header for this request: x-amz-content-sha256' })
  }
  if (value === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' }
  if (/^[0-9a-f]{64}$/i.test(value)) return { kind: 'literal', sha256: value.toLowerCase() }
  const s = STREAMING[value]
  if (s) return { kind: 'chunked', ...s }
  if (value.startsWith('STREAMING-')) throw new AppError('NotImplemented', { message: `The payload signing mode ${value} is not supported.` })
  throw new AppError('InvalidArgument', { message: 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-… or a valid SHA-256 hex digest.' })
}

/**
 * One dispatcher for every auth type, denying by default: SigV4 header, presigned query, or
 * anonymous (allowed later only for public reads). Signatures compare in constant time; the
 * payload mode is taken from what was signed, never downgraded.
 */
export function authenticateS3(ctx: AppContext, request: Request, target: S3Target, now: number): S3Auth {
  const headers = request.headers
  const authHeader = headers.get('authorization')
  const presigned = target.query.has('X-Amz-Algorithm') || target.query.has('X-Amz-Signature') || target.query.has('X-Amz-Credential')
  if (authHeader && presigned) {
    throw new AppError('InvalidArgument', { message: 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.' })
  }
  if (!authHeader && !presigned) {
    if (target.query.has('Signature') || target.query.has('AWSAccessKeyId')) throw new AppError('InvalidRequest', { message: 'Signature Version 2 is not supported; please use AWS4-HMAC-SHA256.' })
    const hash = headers.get('x-amz-content-sha256')
    return { principal: { kind: 'anonymous', ip: '' }, accessKeyId: null, payload: hash && /^[0-9a-f]{64}$/i.test(hash) ? { kind: 'literal', sha256: hash.toLowerCase() } : { kind: 'none' }, signing: null, presigned: false }
  }

  const parsed = authHeader ? parseAuthorizationHeader(authHeader, requestDate(headers)) : parsePresignedQuery(target.query)
  const key = ctx.services.keys.resolve(parsed.credential.accessKeyId)
  if (!key) throw new AppError('InvalidAccessKeyId', { fields: { AWSAccessKeyId: parsed.credential.accessKeyId } })
  checkTime(parsed, now)

  const contentSha = headers.get('x-amz-content-sha256')
  const payload = payloadModeOf(presigned ? (parsed.signedHeaders.includes('x-amz-content-sha256') ? contentSha : null) : contentSha, presigned)
  const payloadHash = presigned ? (payload.kind === 'literal' ? payload.sha256 : 'UNSIGNED-PAYLOAD') : (contentSha as string)
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
  if (!key.active) throw new AppError('AccessDenied', { message: 'This account is suspended.' })
  ctx.services.keyUsage.touch(parsed.credential.accessKeyId, now)
  return {
    principal: { kind: 'account', accountId: key.accountId, isAdmin: key.isAdmin, accessKeyId: parsed.credential.accessKeyId },
    accessKeyId: parsed.credential.accessKeyId,
    payload,
    signing: payload.kind === 'chunked' && payload.signed ? { key: sk, amzDate: parsed.amzDate, credential: parsed.credential, seedSignature: parsed.signature } : null,
    presigned,
  }
}

export { EMPTY_SHA256 }
