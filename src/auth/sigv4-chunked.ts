import { createHash } from 'node:crypto'
import { AppError } from '../errors/app-error'
import { EMPTY_SHA256, hmacHex, scopeOf, sha256Hex, signaturesEqual, type Credential } from './sigv4'

/** Signing context for signed chunks, seeded with the request's (seed) signature. */
export interface ChunkSigning {
  key: Buffer
  amzDate: string
  credential: Credential
  seedSignature: string
}

export interface ChunkedOptions {
  /** null for STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  signing: ChunkSigning | null
  /** The variant declares trailers (…-TRAILER). */
  trailer: boolean
  /** Called once the trailer section has been read and verified. */
  onTrailers?: (trailers: Map<string, string>) => void
}

const MAX_LINE = 4096
const MAX_TRAILER_BYTES = 16 * 1024
const CRLF = Buffer.from('\r\n')

/** Signed chunks must be at least this long, except the last one carrying data. */
export const MIN_SIGNED_CHUNK = 8192

// S3 answers every framing error (short body, bad size, missing CRLF, stray bytes) with
// IncompleteBody; only a well-placed but wrong signature is SignatureDoesNotMatch.
const incomplete = () => new AppError('IncompleteBody', { message: 'The request body terminated unexpectedly (the aws-chunked body ended before its final chunk).' })
const malformed = (what: string) => new AppError('IncompleteBody', { message: `The request body terminated unexpectedly (malformed aws-chunked body: ${what}).` })
// A broken trailer section is the client's malformed request, reported as such.
const malformedTrailer = (what: string) => new AppError('InvalidRequest', { message: `Malformed aws-chunked trailer: ${what}.` })
const badChunkSig = () => new AppError('SignatureDoesNotMatch', { message: 'The chunk signature does not match.' })

/**
 * Decodes an `aws-chunked` body, yielding the payload bytes. Every chunk signature is verified
 * against the previous signature (the chain starts at the request's seed signature); the final
 * trailer signature too. A bad signature or malformed framing throws, which aborts the blob
 * write, so nothing partial becomes visible.
 */
export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>, opts: ChunkedOptions): AsyncIterable<Uint8Array> {
  const it = source[Symbol.asyncIterator]()
  let buf: Buffer = Buffer.alloc(0)
  let prevSig = opts.signing?.seedSignature ?? ''

  const fill = async (): Promise<boolean> => {
    const { done, value } = await it.next()
    if (done) return false
    buf = buf.length ? Buffer.concat([buf, value]) : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    return true
  }
  const readLine = async (): Promise<string> => {
    for (;;) {
      const i = buf.indexOf(CRLF)
      if (i >= 0) {
        const line = buf.subarray(0, i).toString('latin1')
        buf = buf.subarray(i + 2)
        return line
      }
      if (buf.length > MAX_LINE) throw malformed('chunk header too long')
      if (!(await fill())) throw incomplete()
    }
  }
  const chunkStringToSign = (dataHash: string) => {
    const s = opts.signing!
    return `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${scopeOf(s.credential)}\n${prevSig}\n${EMPTY_SHA256}\n${dataHash}`
  }

  let chunkNumber = 0
  let prevSize = -1
  for (;;) {
    const header = await readLine()
    chunkNumber++
    const semi = header.indexOf(';')
    const sizeHex = semi < 0 ? header : header.slice(0, semi)
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex)) throw malformed(`invalid chunk size '${sizeHex.slice(0, 32)}'`)
    const size = parseInt(sizeHex, 16)
    let chunkSig: string | null = null
    if (semi >= 0) {
      const m = /^chunk-signature=(.*)$/.exec(header.slice(semi + 1))
      if (!m) throw malformed('invalid chunk extension')
      chunkSig = m[1]
    }
    if (opts.signing && chunkSig === null) throw malformed('a signed chunk without a chunk-signature')
    if (!opts.signing && chunkSig !== null) throw malformed('chunk signature in an unsigned payload')
    // Only the last chunk carrying data may be shorter than 8 KiB (signed streaming rule).
    if (opts.signing && size > 0 && prevSize >= 0 && prevSize < MIN_SIGNED_CHUNK) {
      throw new AppError('InvalidChunkSizeError', { message: `Only the last chunk is allowed to have a size less than ${MIN_SIGNED_CHUNK} bytes`, fields: { Chunk: chunkNumber, BadChunkSize: prevSize } })
    }
    prevSize = size

    const hasher = opts.signing ? createHash('sha256') : null
    let remaining = size
    while (remaining > 0) {
      if (buf.length === 0 && !(await fill())) throw incomplete()
      const take = Math.min(remaining, buf.length)
      const piece = buf.subarray(0, take)
      buf = buf.subarray(take)
      remaining -= take
      hasher?.update(piece)
      yield piece
    }
    if (opts.signing) {
      const expected = hmacHex(opts.signing.key, chunkStringToSign(size === 0 ? EMPTY_SHA256 : hasher!.digest('hex')))
      if (!signaturesEqual(expected, chunkSig!.toLowerCase())) throw badChunkSig()
      prevSig = chunkSig!.toLowerCase() // the chain continues from the canonical (lower-case) hex
    }
    if (size > 0) {
      while (buf.length < 2) if (!(await fill())) throw incomplete()
      if (buf[0] !== 13 || buf[1] !== 10) throw malformed('chunk data not followed by CRLF')
      buf = buf.subarray(2)
      continue
    }
    // Final chunk: optional trailer section, then an empty line.
    const trailers = new Map<string, string>()
    let trailerText = ''
    let trailerSig: string | null = null
    let total = 0
    for (;;) {
      let line: string
      try {
        line = await readLine()
      } catch (e) {
        // Some clients omit the very last CRLF after the trailers; accept a clean EOF there.
        if (e instanceof AppError && e.code === 'IncompleteBody' && buf.length === 0 && (trailers.size > 0 || !opts.trailer)) break
        throw e
      }
      if (line === '') break
      total += line.length
      if (total > MAX_TRAILER_BYTES) throw malformedTrailer('trailer section too large')
      const i = line.indexOf(':')
      if (i <= 0) throw malformedTrailer('invalid trailer line')
      const name = line.slice(0, i).trim().toLowerCase()
      const value = line.slice(i + 1).trim()
      if (name === 'x-amz-trailer-signature') { trailerSig = value; continue }
      trailers.set(name, value)
      trailerText += `${name}:${value}\n`
    }
    if (trailers.size && !opts.trailer) throw malformedTrailer('trailers without a trailer payload mode')
    if (opts.signing && opts.trailer) {
      if (!trailerSig) throw new AppError('SignatureDoesNotMatch', { message: 'The trailer signature is missing.' })
      const s = opts.signing
      const sts = `AWS4-HMAC-SHA256-TRAILER\n${s.amzDate}\n${scopeOf(s.credential)}\n${prevSig}\n${sha256Hex(trailerText)}`
      if (!signaturesEqual(hmacHex(s.key, sts), trailerSig.toLowerCase())) throw new AppError('SignatureDoesNotMatch', { message: 'The trailer signature does not match.' })
    }
    // Anything after the terminating empty line is not part of the body.
    while (buf.length === 0 && (await fill())) { /* drain */ }
    if (buf.length) throw malformed('data after the final chunk')
    opts.onTrailers?.(trailers)
    return
  }
}
