/**
 * The aws-chunked decoder against AWS's published chunked-upload examples ("Transferring Payload
 * in Multiple Chunks" and "Including Trailing Headers": 64 KiB + 1 KiB of 'a', example secret),
 * then the framing and signature edge cases a hostile or broken client can produce. As S3 does
 * (063d38e), broken framing is IncompleteBody, a wrong chunk signature SignatureDoesNotMatch, a
 * broken trailer section InvalidRequest.
 */
import { describe, test, expect } from 'bun:test'
import { decodeAwsChunked, type ChunkSigning, type ChunkedOptions } from '../../src/auth/sigv4-chunked'
import { hmacHex, signingKey, sha256Hex, type Credential } from '../../src/auth/sigv4'
import { AppError } from '../../src/errors/app-error'

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const CRED: Credential = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', date: '20130524', region: 'us-east-1', service: 's3' }
const AMZ_DATE = '20130524T000000Z'
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

const signing = (seedSignature: string): ChunkSigning => ({ key: signingKey(SECRET, CRED), amzDate: AMZ_DATE, credential: CRED, seedSignature })

const A64K = Buffer.alloc(65536, 'a')
const A1K = Buffer.alloc(1024, 'a')

/** The published PUT example: seed 4f232c43…, chunk signatures ad80c730…, 0055627c…, b6c6ea8a…. */
const EXAMPLE = {
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  sigs: ['ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497', 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9'],
}
function exampleBody(sigs = EXAMPLE.sigs, data: Buffer[] = [A64K, A1K]): Buffer {
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${sigs[0]}\r\n`), data[0], Buffer.from(`\r\n400;chunk-signature=${sigs[1]}\r\n`), data[1],
    Buffer.from(`\r\n0;chunk-signature=${sigs[2]}\r\n\r\n`),
  ])
}

/** The published trailer example: STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with a CRC32C trailer. */
const TRAILER_EXAMPLE = {
  seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  sigs: ['b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2', '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7', '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992'],
  trailer: 'x-amz-checksum-crc32c:sOO8/Q==',
  trailerSig: 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
}
function trailerBody(trailerSig = TRAILER_EXAMPLE.trailerSig, trailer = TRAILER_EXAMPLE.trailer): Buffer {
  const s = TRAILER_EXAMPLE.sigs
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${s[0]}\r\n`), A64K, Buffer.from(`\r\n400;chunk-signature=${s[1]}\r\n`), A1K,
    Buffer.from(`\r\n0;chunk-signature=${s[2]}\r\n${trailer}\r\nx-amz-trailer-signature:${trailerSig}\r\n\r\n`),
  ])
}

/** Frames and signs chunks the way an SDK does, chained from the seed signature. */
function signedBody(chunks: Buffer[], s: ChunkSigning): Buffer {
  const parts: Buffer[] = []
  let prev = s.seedSignature
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sig = hmacHex(s.key, `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n20130524/us-east-1/s3/aws4_request\n${prev}\n${EMPTY}\n${sha256Hex(data)}`)
    parts.push(Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from('\r\n'))
    prev = sig
  }
  return Buffer.concat(parts)
}

/** Feeds a buffer in pieces of `size` bytes, as a network would (splitting lines and CRLFs). */
async function* pieces(buf: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield new Uint8Array(buf.subarray(i, i + size))
}

async function decode(body: Buffer, opts: ChunkedOptions, size = 8192): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const c of decodeAwsChunked(pieces(body, size), opts)) out.push(Buffer.from(c))
  return Buffer.concat(out)
}

async function decodeError(body: Buffer, opts: ChunkedOptions, size = 8192): Promise<AppError> {
  try {
    await decode(body, opts, size)
  } catch (e) {
    expect(e).toBeInstanceOf(AppError)
    return e as AppError
  }
  throw new Error('expected the decoder to fail')
}

describe('AWS published chunked upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)', () => {
  test('the body is 66824 bytes on the wire and decodes to 66560 bytes of a', async () => {
    const body = exampleBody()
    expect(body.length).toBe(66824)
    const out = await decode(body, { signing: signing(EXAMPLE.seed), trailer: false })
    expect(out.length).toBe(66560)
    expect(out.equals(Buffer.alloc(66560, 'a'))).toBe(true)
  })

  test('chunk string-to-sign and signatures chain from the seed', () => {
    const key = signingKey(SECRET, CRED)
    let prev = EXAMPLE.seed
    for (const [i, data] of [A64K, A1K, Buffer.alloc(0)].entries()) {
      const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${AMZ_DATE}\n20130524/us-east-1/s3/aws4_request\n${prev}\n${EMPTY}\n${sha256Hex(data)}`
      expect(hmacHex(key, sts)).toBe(EXAMPLE.sigs[i])
      prev = EXAMPLE.sigs[i]
    }
  })

  test.each([1, 2, 7, 100, 65536 + 40, 1 << 20])('decodes the same when delivered in %i-byte pieces', async (size) => {
    const out = await decode(exampleBody(), { signing: signing(EXAMPLE.seed), trailer: false }, size)
    expect(out.length).toBe(66560)
  })

  test('a wrong seed signature fails the first chunk', async () => {
    const e = await decodeError(exampleBody(), { signing: signing(EXAMPLE.seed.replace(/^4/, '5')), trailer: false })
    expect(e.code).toBe('SignatureDoesNotMatch')
  })

  test('one flipped data byte fails that chunk signature', async () => {
    const tampered = Buffer.from(A1K)
    tampered[500] = 0x62
    const e = await decodeError(exampleBody(EXAMPLE.sigs, [A64K, tampered]), { signing: signing(EXAMPLE.seed), trailer: false })
    expect(e.code).toBe('SignatureDoesNotMatch')
  })

  test('reordered chunks fail (each signature chains the previous one)', async () => {
    const s = EXAMPLE.sigs
    const body = Buffer.concat([
      Buffer.from(`400;chunk-signature=${s[1]}\r\n`), A1K, Buffer.from(`\r\n10000;chunk-signature=${s[0]}\r\n`), A64K, Buffer.from(`\r\n0;chunk-signature=${s[2]}\r\n\r\n`),
    ])
    expect((await decodeError(body, { signing: signing(EXAMPLE.seed), trailer: false })).code).toBe('SignatureDoesNotMatch')
  })

  test('a wrong final (zero-length) chunk signature fails', async () => {
    const sigs = [...EXAMPLE.sigs]
    sigs[2] = '0'.repeat(64)
    expect((await decodeError(exampleBody(sigs), { signing: signing(EXAMPLE.seed), trailer: false })).code).toBe('SignatureDoesNotMatch')
  })

  test('a signed stream with an unsigned chunk is broken framing', async () => {
    const body = Buffer.from(`3\r\nabc\r\n0;chunk-signature=${'0'.repeat(64)}\r\n\r\n`)
    expect((await decodeError(body, { signing: signing(EXAMPLE.seed), trailer: false })).code).toBe('IncompleteBody')
  })

  test('a present but non-hex chunk signature is SignatureDoesNotMatch', async () => {
    const sigs = [...EXAMPLE.sigs]
    sigs[0] = 'not-a-signature'
    expect((await decodeError(exampleBody(sigs), { signing: signing(EXAMPLE.seed), trailer: false })).code).toBe('SignatureDoesNotMatch')
  })

  test('upper-case hex chunk signatures are accepted', async () => {
    const out = await decode(exampleBody(EXAMPLE.sigs.map((x) => x.toUpperCase())), { signing: signing(EXAMPLE.seed), trailer: false })
    expect(out.length).toBe(66560)
  })

  test('only the last data chunk may be shorter than 8 KiB (InvalidChunkSizeError naming the chunk)', async () => {
    const s = signing(EXAMPLE.seed)
    const body = signedBody([Buffer.alloc(4096, 'a'), Buffer.alloc(8192, 'b')], s)
    const e = await decodeError(body, { signing: s, trailer: false })
    expect(e.code).toBe('InvalidChunkSizeError')
    expect(e.fields).toEqual({ Chunk: 2, BadChunkSize: 4096 })
    // A short LAST data chunk is fine.
    const ok = await decode(signedBody([Buffer.alloc(8192, 'a'), Buffer.alloc(10, 'b')], s), { signing: s, trailer: false })
    expect(ok.length).toBe(8202)
  })
})

describe('AWS published chunked upload with a signed trailer (…-PAYLOAD-TRAILER)', () => {
  test('decodes and hands the CRC32C trailer over once verified', async () => {
    let trailers: Map<string, string> | null = null
    const out = await decode(trailerBody(), { signing: signing(TRAILER_EXAMPLE.seed), trailer: true, onTrailers: (t) => (trailers = t) })
    expect(out.length).toBe(66560)
    expect(trailers).not.toBeNull()
    expect([...trailers!]).toEqual([['x-amz-checksum-crc32c', 'sOO8/Q==']])
  })

  test('a changed trailer value fails the trailer signature', async () => {
    let called = false
    const e = await decodeError(trailerBody(TRAILER_EXAMPLE.trailerSig, 'x-amz-checksum-crc32c:AAAAAA=='), { signing: signing(TRAILER_EXAMPLE.seed), trailer: true, onTrailers: () => (called = true) })
    expect(e.code).toBe('SignatureDoesNotMatch')
    expect(called).toBe(false)
  })

  test('a missing trailer signature fails', async () => {
    const s = TRAILER_EXAMPLE.sigs
    const body = Buffer.concat([
      Buffer.from(`10000;chunk-signature=${s[0]}\r\n`), A64K, Buffer.from(`\r\n400;chunk-signature=${s[1]}\r\n`), A1K,
      Buffer.from(`\r\n0;chunk-signature=${s[2]}\r\n${TRAILER_EXAMPLE.trailer}\r\n\r\n`),
    ])
    expect((await decodeError(body, { signing: signing(TRAILER_EXAMPLE.seed), trailer: true })).code).toBe('SignatureDoesNotMatch')
  })
})

describe('STREAMING-UNSIGNED-PAYLOAD-TRAILER', () => {
  const unsigned = (onTrailers?: (t: Map<string, string>) => void): ChunkedOptions => ({ signing: null, trailer: true, onTrailers })

  test('parses chunks and the trailer section', async () => {
    let t: Map<string, string> | undefined
    const out = await decode(Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n'), unsigned((m) => (t = m)))
    expect(out.toString()).toBe('abc')
    expect([...t!]).toEqual([['x-amz-checksum-crc32', 'NSRBwg==']])
  })

  test('trailer names are case-insensitive and values trimmed', async () => {
    let t: Map<string, string> | undefined
    await decode(Buffer.from('1\r\nx\r\n0\r\nX-Amz-Checksum-CRC32 :  NSRBwg==  \r\n\r\n'), unsigned((m) => (t = m)), 1)
    expect(t!.get('x-amz-checksum-crc32')).toBe('NSRBwg==')
  })

  test('several chunks, delivered byte by byte, and a missing last CRLF after the trailers', async () => {
    let t: Map<string, string> | undefined
    const out = await decode(Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-sha256:abc=\r\n'), unsigned((m) => (t = m)), 1)
    expect(out.toString()).toBe('hello world')
    expect(t!.get('x-amz-checksum-sha256')).toBe('abc=')
  })

  test('no trailer lines at all', async () => {
    let t: Map<string, string> | undefined
    const out = await decode(Buffer.from('2\r\nhi\r\n0\r\n\r\n'), unsigned((m) => (t = m)))
    expect(out.toString()).toBe('hi')
    expect(t!.size).toBe(0)
  })

  test('a chunk signature in an unsigned stream is broken framing', async () => {
    const e = await decodeError(Buffer.from(`2;chunk-signature=${'a'.repeat(64)}\r\nhi\r\n0\r\n\r\n`), unsigned())
    expect(e.code).toBe('IncompleteBody')
  })

  test('a trailer line without a colon is malformed', async () => {
    expect((await decodeError(Buffer.from('0\r\nnot-a-header\r\n\r\n'), unsigned())).code).toBe('InvalidRequest')
  })

  test('an oversized trailer section is refused', async () => {
    const big = Array.from({ length: 400 }, (_, i) => `x-amz-meta-${i}:${'v'.repeat(60)}`).join('\r\n')
    expect((await decodeError(Buffer.from(`0\r\n${big}\r\n\r\n`), unsigned())).code).toBe('InvalidRequest')
  })

  test('trailers sent in a mode that declares none are refused', async () => {
    const e = await decodeError(Buffer.from('0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n'), { signing: null, trailer: false })
    expect(e.code).toBe('InvalidRequest')
  })
})

describe('framing errors', () => {
  const plain: ChunkedOptions = { signing: null, trailer: false }

  test.each([
    ['cut inside chunk data', '5\r\nhel'],
    ['cut after chunk data, before its CRLF', '5\r\nhello'],
    ['cut inside a chunk header', '5\r\nhello\r\n0'],
    ['no final zero-length chunk', '5\r\nhello\r\n'],
    ['empty body', ''],
  ])('truncated (%s) → IncompleteBody', async (_, body) => {
    expect((await decodeError(Buffer.from(body), plain)).code).toBe('IncompleteBody')
  })

  test('a signed stream cut before its final chunk → IncompleteBody', async () => {
    const body = exampleBody().subarray(0, 65536 + 90)
    expect((await decodeError(body, { signing: signing(EXAMPLE.seed), trailer: false })).code).toBe('IncompleteBody')
  })

  test.each([
    ['non-hex size', 'zz\r\n'],
    ['negative size', '-1\r\n'],
    ['empty size', '\r\n'],
    ['size with spaces', ' 5\r\nhello\r\n0\r\n\r\n'],
    ['17 hex digits', '10000000000000000\r\n'],
    ['bad extension', '5;chunk-sig=abc\r\nhello\r\n0\r\n\r\n'],
    ['chunk signature in an unsigned body', `5;chunk-signature=${'a'.repeat(64)}\r\nhello\r\n0\r\n\r\n`],
    ['data longer than its size', '3\r\nhello\r\n0\r\n\r\n'],
    ['data after the final chunk', '5\r\nhello\r\n0\r\n\r\nextra'],
  ])('malformed (%s) → IncompleteBody', async (_, body) => {
    expect((await decodeError(Buffer.from(body), plain)).code).toBe('IncompleteBody')
  })

  test('an endless chunk header is cut off at 4 KiB', async () => {
    expect((await decodeError(Buffer.from('a'.repeat(10000)), plain, 1000)).code).toBe('IncompleteBody')
  })

  test('nothing past a bad chunk is yielded', async () => {
    const got: string[] = []
    try {
      for await (const c of decodeAwsChunked(pieces(Buffer.from('2\r\nok\r\nzz\r\nnever\r\n0\r\n\r\n'), 3), plain)) got.push(Buffer.from(c).toString())
    } catch { /* expected */ }
    expect(got.join('')).toBe('ok')
  })
})
