import { AwsV4Signer } from 'aws4fetch'
import { MAX_PRESIGN_SECONDS } from './sigv4'
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
 * UNSIGNED-PAYLOAD, host and the given headers are signed. Signed by aws4fetch (the appliance
 * signs every S3 request it makes with it); the S3 port verifies with its own canonicalization
 * (src/http/s3/authenticate.ts), so each side checks the other.
 */
export async function presignUrl(p: PresignInput): Promise<string> {
  if (!Number.isInteger(p.expiresIn) || p.expiresIn < 1 || p.expiresIn > MAX_PRESIGN_SECONDS) throw new RangeError(`expiresIn must be 1..${MAX_PRESIGN_SECONDS}`)
  const base = new URL(p.endpoint)
  // The key encoded as S3 expects it ('+' as %2B: aws4fetch reads a bare '+' in an S3 path as a space).
  const url = new URL(`${base.protocol}//${base.host}${awsUriEncode(`/${p.bucket}/${p.key}`, true)}`)
  for (const [k, v] of p.params) url.searchParams.append(k, v)
  url.searchParams.set('X-Amz-Expires', String(p.expiresIn))
  const signer = new AwsV4Signer({
    method: p.method, url: url.toString(), headers: p.headers, accessKeyId: p.accessKeyId, secretAccessKey: p.secret,
    service: 's3', region: p.region, datetime: amzDateOf(p.now), signQuery: true,
    // Exactly the headers given are signed (aws4fetch leaves content-type out by default).
    allHeaders: true,
  })
  return (await signer.sign()).url.toString()
}
