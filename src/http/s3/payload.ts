import { AppError } from '../../errors/app-error'
import { decodeAwsChunked } from '../../auth/sigv4-chunked'
import { CHECKSUMS, algorithmOfHeader, checksumAlgorithmOf, isValidChecksumValue, type ChecksumAlgorithm } from '../../domain/checksums'
import { iterateStream, requestTimeout, withIdleTimeout, type Digests } from '../../blob/streams'
import type { S3Auth } from './authenticate'

export interface BodyPlan {
  /** The decoded payload bytes (aws-chunked framing removed, chunk signatures verified). */
  source: AsyncIterable<Uint8Array>
  /** Declared payload length, when the client stated one. */
  size: number | null
  /**
   * The body comes with `Transfer-Encoding: chunked` and no length (curl -T -, clients
   * streaming from a pipe): accepted, and cut off at the operation's size cap and the quota.
   */
  streamed: boolean
  /** The flexible checksum to compute, if the client asked for one. */
  checksum: ChecksumAlgorithm | null
  /** Checks Content-MD5, the signed SHA-256 and the x-amz-checksum value (header or trailer). */
  verify(d: Digests): void
  /** Content-Encoding to store: the client's, without the transport's aws-chunked. */
  contentEncoding: string | null
  /** The checksum value the client sent (header or trailer), once known. */
  clientChecksum(): string | null
}

function declaredLength(v: string | null, header: string): number | null {
  if (v === null) return null
  if (!/^\d{1,16}$/.test(v.trim())) throw new AppError('InvalidArgument', { message: `${header} must be a non-negative integer.` })
  return Number(v.trim())
}

/** Content-MD5: must be base64 of 16 bytes. Returns its hex form. */
export function parseContentMd5(v: string | null): string | null {
  if (v === null) return null
  const buf = Buffer.from(v.trim(), 'base64')
  if (buf.length !== 16 || buf.toString('base64') !== v.trim()) throw new AppError('InvalidDigest')
  return buf.toString('hex')
}

/** The checksum algorithm and header value a request carries (at most one algorithm). */
export function requestedChecksum(headers: Headers): { algorithm: ChecksumAlgorithm | null; value: string | null; inTrailer: boolean } {
  let algorithm: ChecksumAlgorithm | null = null
  let value: string | null = null
  for (const [name, v] of headers) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm' || name === 'x-amz-checksum-mode') continue
    const a = algorithmOfHeader(name)
    if (!a) throw new AppError('InvalidRequest', { message: `The checksum header ${name} names an unsupported algorithm.` })
    if (algorithm && algorithm !== a) throw new AppError('InvalidRequest', { message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.' })
    if (!isValidChecksumValue(a, v.trim())) throw new AppError('InvalidRequest', { message: `Value for ${name} header is invalid.` })
    algorithm = a
    value = v.trim()
  }
  const trailer = headers.get('x-amz-trailer')
  let inTrailer = false
  if (trailer) {
    const a = algorithmOfHeader(trailer.trim())
    if (!a) throw new AppError('InvalidRequest', { message: `The trailer ${trailer} is not a supported checksum.` })
    if (algorithm && algorithm !== a) throw new AppError('InvalidRequest', { message: 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.' })
    algorithm = a
    inTrailer = true
  }
  const sdk = headers.get('x-amz-sdk-checksum-algorithm') ?? headers.get('x-amz-checksum-algorithm')
  if (sdk) {
    const a = checksumAlgorithmOf(sdk)
    if (!a) throw new AppError('InvalidRequest', { message: `Checksum algorithm ${sdk} is not supported.` })
    if (algorithm && algorithm !== a) throw new AppError('InvalidRequest', { message: 'Value for x-amz-sdk-checksum-algorithm header is invalid.' })
    algorithm = a
  }
  return { algorithm, value, inTrailer }
}

export interface BodyOptions {
  /** Fail with RequestTimeout when no body bytes arrive for this long while we wait (0: never). */
  idleTimeoutMs?: number
  /**
   * The request's x-amz-checksum-* headers describe the object being assembled, not this body
   * (CompleteMultipartUpload's full-object checksum): they are not checked against the body.
   */
  objectChecksumHeaders?: boolean
}

/**
 * Plans how to read a request body: which decoder, which length, which digests to check.
 * `counter` sees raw wire bytes (for the request log and metrics).
 */
export function planBody(request: Request, auth: S3Auth, counter: { bytes: number }, opts: BodyOptions = {}): BodyPlan {
  const h = request.headers
  const md5 = parseContentMd5(h.get('content-md5'))
  const requested = opts.objectChecksumHeaders ? { algorithm: null, value: null, inTrailer: false } : requestedChecksum(h)
  let trailerValue: string | null = null

  async function* raw() {
    for await (const c of iterateStream(withIdleTimeout(request.body, opts.idleTimeoutMs ?? 0, requestTimeout))) {
      counter.bytes += c.byteLength
      yield c
    }
  }

  let source: AsyncIterable<Uint8Array>
  let size: number | null
  const encodings = (h.get('content-encoding') ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  if (auth.payload.kind === 'chunked') {
    size = declaredLength(h.get('x-amz-decoded-content-length'), 'x-amz-decoded-content-length')
    if (size === null) throw new AppError('MissingContentLength', { message: 'aws-chunked uploads must carry x-amz-decoded-content-length.' })
    const trailer = auth.payload.trailer
    source = decodeAwsChunked(raw(), {
      signing: auth.payload.signed ? auth.signing : null,
      trailer,
      onTrailers: (t) => {
        if (requested.inTrailer && requested.algorithm) {
          const v = t.get(CHECKSUMS[requested.algorithm].header)
          if (v === undefined) throw new AppError('InvalidRequest', { message: `The declared trailer ${CHECKSUMS[requested.algorithm].header} is missing.` })
          if (!isValidChecksumValue(requested.algorithm, v)) throw new AppError('InvalidRequest', { message: `Value for ${CHECKSUMS[requested.algorithm].header} trailing header is invalid.` })
          trailerValue = v
        }
      },
    })
  } else {
    // Content-Encoding: aws-chunked with a literal or UNSIGNED-PAYLOAD hash: the body is not
    // framed (some SDKs label every upload so); the label only leaves the stored encoding.
    if (requested.inTrailer) throw new AppError('InvalidRequest', { message: 'x-amz-trailer requires an aws-chunked streaming payload.' })
    size = declaredLength(h.get('content-length'), 'Content-Length')
    source = raw()
  }
  const streamed = size === null && /\bchunked\b/i.test(h.get('transfer-encoding') ?? '')

  return {
    source,
    size,
    streamed,
    checksum: requested.algorithm,
    contentEncoding: encodings.filter((e) => e !== 'aws-chunked').join(', ') || null,
    clientChecksum: () => requested.value ?? trailerValue,
    verify(dg: Digests) {
      if (md5 !== null && md5 !== dg.md5Hex) throw new AppError('BadDigest', { message: 'The Content-MD5 you specified did not match what we received.' })
      if (auth.payload.kind === 'literal' && auth.payload.sha256 !== dg.sha256Hex) {
        throw new AppError('XAmzContentSHA256Mismatch', { fields: { ClientComputedContentSHA256: auth.payload.sha256, S3ComputedContentSHA256: dg.sha256Hex ?? '' } })
      }
      const expected = requested.value ?? trailerValue
      if (requested.algorithm && expected !== null && dg.checksum && dg.checksum.value !== expected) {
        throw new AppError('BadDigest', { message: `The ${requested.algorithm} you specified did not match the calculated checksum.` })
      }
    },
  }
}
