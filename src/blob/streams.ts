import { AppError } from '../errors/app-error'
import { CHECKSUMS, type ChecksumAlgorithm, type Hasher } from '../domain/checksums'

/**
 * Iterates a web ReadableStream (request bodies) as Uint8Array chunks. A consumer that stops
 * early (a size cap, a failed write) cancels the stream: the server then stops receiving the
 * rest instead of buffering it for nobody.
 */
export async function* iterateStream(stream: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!stream) return
  const reader = stream.getReader()
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) { finished = true; return }
      if (value && value.byteLength) yield value
    }
  } finally {
    if (!finished) reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

/** S3's answer to a request body that stopped arriving; the connection is not reused. */
export const requestTimeout = () => new AppError('RequestTimeout', { headers: { connection: 'close' } })

/**
 * A request body that fails when the client sends nothing for `ms` while the server is waiting
 * for it (a body shorter than its Content-Length, a stalled client): `onIdle()` errors the
 * stream and the source is cancelled, instead of the request hanging until the runtime's idle
 * timeout. Time spent while the consumer is busy (writing to disk) does not count: the source
 * is only read, and the clock only runs, when the consumer asks for the next chunk.
 */
export function withIdleTimeout(stream: ReadableStream<Uint8Array> | null, ms: number, onIdle: () => Error): ReadableStream<Uint8Array> | null {
  if (!stream || !(ms > 0)) return stream
  const reader = stream.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const idle = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onIdle()), ms) })
      try {
        const { done, value } = await Promise.race([reader.read(), idle])
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (e) {
        reader.cancel(e).catch(() => {})
        controller.error(e)
      } finally {
        clearTimeout(timer)
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  }, { highWaterMark: 0 })
}

export interface Digests {
  size: number
  md5Hex: string
  sha256Hex: string | null
  checksum: { algorithm: ChecksumAlgorithm; value: string } | null
}

/**
 * A pass-through tap computing MD5 (the ETag), optionally SHA-256 (signed payloads, dedup) and
 * one flexible checksum, over exactly the bytes that reach the blob store.
 */
export class HashingTap {
  private size = 0
  private readonly md5 = new Bun.CryptoHasher('md5')
  private readonly sha256: Bun.CryptoHasher | null
  private readonly checksum: Hasher | null
  private result: Digests | null = null

  constructor(opts: { sha256?: boolean; checksum?: ChecksumAlgorithm | null }) {
    this.sha256 = opts.sha256 ? new Bun.CryptoHasher('sha256') : null
    this.checksum = opts.checksum ? CHECKSUMS[opts.checksum].create() : null
    this.algorithm = opts.checksum ?? null
  }
  private readonly algorithm: ChecksumAlgorithm | null

  async *pipe(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    for await (const chunk of source) {
      this.size += chunk.byteLength
      this.md5.update(chunk)
      this.sha256?.update(chunk)
      this.checksum?.update(chunk)
      yield chunk
    }
  }

  async digests(): Promise<Digests> {
    if (this.result) return this.result
    this.result = {
      size: this.size,
      md5Hex: this.md5.digest('hex'),
      sha256Hex: this.sha256 ? this.sha256.digest('hex') : null,
      checksum: this.checksum && this.algorithm ? { algorithm: this.algorithm, value: (await this.checksum.digest()).toString('base64') } : null,
    }
    return this.result
  }
}

/**
 * Enforces a byte budget on a stream: `exact` lengths must match (IncompleteBody when short,
 * and no more bytes than declared are accepted); `max` cuts unknown lengths off at a limit.
 */
export async function* limitBytes(
  source: AsyncIterable<Uint8Array>,
  opts: { exact?: number | null; max?: number | null; onExceed?: () => AppError },
): AsyncIterable<Uint8Array> {
  let seen = 0
  for await (const chunk of source) {
    seen += chunk.byteLength
    // Only a decoded aws-chunked payload can outgrow its declared length; S3 calls that IncompleteBody.
    if (opts.exact != null && seen > opts.exact) throw new AppError('IncompleteBody', { message: 'The request body is longer than its declared length.' })
    if (opts.max != null && seen > opts.max) throw opts.onExceed ? opts.onExceed() : new AppError('EntityTooLarge')
    yield chunk
  }
  if (opts.exact != null && seen < opts.exact) throw new AppError('IncompleteBody')
}

const bodyTooLarge = (max: number) => new AppError('RequestEntityTooLarge', { message: `The request body exceeds ${max} bytes.` })

/**
 * Reads a small body fully, refusing more than `max` bytes (XML documents, JSON). Stops at the
 * cap: leaving the loop early ends the source (iterateStream then cancels the request body), so
 * no more than `max` bytes plus one chunk are ever held, whatever the client sends.
 */
export async function readCapped(source: AsyncIterable<Uint8Array>, max: number, tooLarge: (max: number) => AppError = bodyTooLarge): Promise<Buffer> {
  const parts: Uint8Array[] = []
  let n = 0
  for await (const chunk of source) {
    n += chunk.byteLength
    if (n > max) throw tooLarge(max)
    parts.push(chunk)
  }
  return Buffer.concat(parts)
}

/**
 * A request body of at most `max` bytes: refused from its declared Content-Length before a byte
 * is read, and read through readCapped for bodies without one (chunked transfer encoding).
 */
export async function readRequestBody(request: Request, max: number, counter: { bytes: number }, tooLarge: (max: number) => AppError = bodyTooLarge): Promise<Buffer> {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > max) throw tooLarge(max)
  async function* counted() {
    for await (const c of iterateStream(request.body)) {
      counter.bytes += c.byteLength
      yield c
    }
  }
  return readCapped(counted(), max, tooLarge)
}
