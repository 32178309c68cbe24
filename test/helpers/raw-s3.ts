import { createHash } from 'node:crypto'
import { AwsV4Signer } from 'aws4fetch'
import { Hash } from '@smithy/core/serde'
import { SignatureV4 } from '@smithy/signature-v4'
import { REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './server'

/**
 * Raw S3 requests for tests that need exact control over headers and bodies: signed with
 * aws4fetch (header or presigned query) and, for aws-chunked bodies, chunk signatures from
 * @smithy/signature-v4. Nothing here re-implements SigV4.
 */

export interface Creds {
  accessKeyId: string
  secretAccessKey: string
}

export const ROOT_CREDS: Creds = { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY }
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

export const sha256Hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')
export const md5Base64 = (data: string | Uint8Array) => createHash('md5').update(data).digest('base64')
export const md5Hex = (data: string | Uint8Array) => createHash('md5').update(data).digest('hex')

/** Percent-encodes a key for a path, keeping '/' (so `//` and a trailing '/' survive). */
export const encodeKey = (key: string) => key.split('/').map(encodeURIComponent).join('/')

export interface RawRequest {
  method?: string
  bucket?: string
  key?: string
  /** Query parameters, encoded with %20 for spaces (never '+'). */
  query?: Record<string, string> | Array<[string, string]>
  headers?: Record<string, string>
  body?: string | Uint8Array | null
  /** null: an anonymous, unsigned request. */
  creds?: Creds | null
  /** Signing time (default now). */
  date?: Date
  /**
   * x-amz-content-sha256: the real SHA-256 of the body by default, or a literal value
   * (UNSIGNED-PAYLOAD, a wrong digest, STREAMING-…).
   */
  payloadHash?: string
  /** Presign into the query string instead of signing the headers. */
  presign?: { expires: number }
  region?: string
}

const amzDate = (d: Date) => d.toISOString().replace(/[:-]|\.\d{3}/g, '')

export function rawUrl(base: string, r: Pick<RawRequest, 'bucket' | 'key' | 'query'>): string {
  let path = '/'
  if (r.bucket) path += r.bucket + (r.key !== undefined ? '/' + encodeKey(r.key) : '')
  const pairs = Array.isArray(r.query) ? r.query : Object.entries(r.query ?? {})
  const qs = pairs.map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join('&')
  return base + path + (qs ? '?' + qs : '')
}

/** Builds a signed Request (or an unsigned one when creds is null). */
export async function signedRequest(base: string, r: RawRequest): Promise<Request> {
  const method = r.method ?? 'GET'
  const url = rawUrl(base, r)
  const body = r.body ?? null
  const headers: Record<string, string> = { ...(r.headers ?? {}) }
  if (r.creds === null) return new Request(url, { method, headers, body: body as BodyInit | null })
  const creds = r.creds ?? ROOT_CREDS
  if (!r.presign) headers['x-amz-content-sha256'] = r.payloadHash ?? sha256Hex(body ?? '')
  let signUrl = url
  if (r.presign) {
    const u = new URL(url)
    u.searchParams.set('X-Amz-Expires', String(r.presign.expires))
    signUrl = u.toString()
  }
  const signer = new AwsV4Signer({
    method, url: signUrl, headers, body: (body ?? undefined) as BodyInit | undefined, accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey,
    service: 's3', region: r.region ?? REGION, datetime: amzDate(r.date ?? new Date()), signQuery: !!r.presign,
  })
  const signed = await signer.sign()
  return new Request(signed.url.toString(), { method, headers: signed.headers, body: body as BodyInit | null })
}

export async function s3Fetch(base: string, r: RawRequest): Promise<Response> {
  return fetch(await signedRequest(base, r))
}

/** A presigned URL made with aws4fetch (independent of the SDK's presigner). */
export async function presignUrl(base: string, r: RawRequest & { presign: { expires: number } }): Promise<string> {
  return (await signedRequest(base, r)).url
}

export interface ErrorInfo {
  status: number
  code: string | null
  message: string | null
  body: string
  headers: Headers
}

const tag = (xml: string, name: string) => xml.match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`))?.[1] ?? null

/** Status plus the S3 error document's Code and Message. */
export async function errorOf(res: Response): Promise<ErrorInfo> {
  const body = await res.text()
  return { status: res.status, code: tag(body, 'Code'), message: tag(body, 'Message'), body, headers: res.headers }
}

/** Same, for a request. */
export async function s3Error(base: string, r: RawRequest): Promise<ErrorInfo> {
  return errorOf(await s3Fetch(base, r))
}

export const xmlTag = tag
export const xmlTags = (xml: string, name: string) => [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1])

/* ------------------------------------------------------------------------------------------ */
/* aws-chunked bodies                                                                          */

export type ChunkedMode = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' | 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' | 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'

export interface ChunkedUpload {
  bucket: string
  key: string
  data: Uint8Array
  mode: ChunkedMode
  /** Size of every chunk but the last. */
  chunkSize: number
  /** One trailer, e.g. ['x-amz-checksum-crc32', base64]. */
  trailer?: [string, string]
  creds?: Creds
  /** Value of x-amz-decoded-content-length (default: the data length). */
  decodedLength?: number
  /** Replace one chunk's signature (by index; the final zero chunk is chunks.length). */
  badChunkSignature?: number
  badTrailerSignature?: boolean
  /** Rewrite the framed body before it is sent (truncate it, corrupt a size, …). */
  mangle?: (framed: Buffer) => Uint8Array
  /** Extra headers; null removes one of the defaults. */
  headers?: Record<string, string | null>
  method?: string
  query?: Record<string, string>
}

const signerFor = (creds: Creds, region: string) =>
  new SignatureV4({ credentials: creds, region, service: 's3', sha256: Hash.bind(null, 'sha256') as never })

/**
 * Frames `data` as aws-chunked, signing the request (seed signature) with aws4fetch and every
 * chunk and the trailer with @smithy/signature-v4, then sends it.
 */
export async function chunkedPut(base: string, u: ChunkedUpload): Promise<Response> {
  const creds = u.creds ?? ROOT_CREDS
  const date = new Date()
  const signed = u.mode !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'
  const merged: Record<string, string | null> = {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(u.decodedLength ?? u.data.length),
    ...(u.trailer ? { 'x-amz-trailer': u.trailer[0] } : {}),
    ...(u.headers ?? {}),
  }
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(merged)) if (v !== null) headers[k] = v
  const req = await signedRequest(base, { method: u.method ?? 'PUT', bucket: u.bucket, key: u.key, query: u.query, headers, creds, date, payloadHash: u.mode, body: new Uint8Array(0) })
  const seed = /Signature=([0-9a-f]{64})/.exec(req.headers.get('authorization') ?? '')![1]
  const scope = `${amzDate(date).slice(0, 8)}/${REGION}/s3/aws4_request`
  const signer = signerFor(creds, REGION)
  const wrong = 'f'.repeat(64)

  const pieces: Buffer[] = []
  const chunks: Uint8Array[] = []
  for (let i = 0; i < u.data.length; i += u.chunkSize) chunks.push(u.data.subarray(i, i + u.chunkSize))
  chunks.push(new Uint8Array(0))
  let prev = seed
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]
    let ext = ''
    if (signed) {
      const sts = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate(date), scope, prev, EMPTY_SHA256, sha256Hex(c)].join('\n')
      const sig = u.badChunkSignature === i ? wrong : await signer.sign(sts, { signingDate: date })
      ext = `;chunk-signature=${sig}`
      prev = sig
    }
    pieces.push(Buffer.from(`${c.length.toString(16)}${ext}\r\n`), Buffer.from(c))
    if (c.length > 0) pieces.push(Buffer.from('\r\n'))
  }
  if (u.trailer) {
    const line = `${u.trailer[0]}:${u.trailer[1]}`
    pieces.push(Buffer.from(line + '\r\n'))
    if (signed) {
      const sts = ['AWS4-HMAC-SHA256-TRAILER', amzDate(date), scope, prev, sha256Hex(line + '\n')].join('\n')
      const sig = u.badTrailerSignature ? wrong : await signer.sign(sts, { signingDate: date })
      pieces.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`))
    }
  }
  pieces.push(Buffer.from('\r\n'))
  let framed: Uint8Array = Buffer.concat(pieces)
  if (u.mangle) framed = u.mangle(Buffer.from(framed))
  return fetch(new Request(req.url, { method: req.method, headers: req.headers, body: framed as BodyInit }))
}
