import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import sharp from 'sharp'
import { PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { untilOutput } from '../helpers/output'

let server: TestServer
const KEY = { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` }
const BUCKET = 'root' // the root admin's default bucket

async function put(key: string, body: Uint8Array | string, contentType = 'image/jpeg') {
  await s3Client(server.s3Url).send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: contentType }))
}

async function img(path: string, headers: Record<string, string> = KEY) {
  const r = await fetch(`${server.httpUrl}/api/img/${BUCKET}/${path}`, { headers })
  const body = Buffer.from(await r.arrayBuffer())
  return { r, body, meta: r.status === 200 ? await sharp(body).metadata() : null }
}

beforeAll(async () => {
  server = await startInProcess()
  // 800x600 landscape: a blue left half and a red right half, so crops are visible.
  const left = await sharp({ create: { width: 400, height: 600, channels: 3, background: '#0000ff' } }).png().toBuffer()
  const photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#ff0000' } })
    .composite([{ input: left, left: 0, top: 0 }]).jpeg({ quality: 95 }).toBuffer()
  await put('photos/hero.jpg', photo)
  await put('photos/small.png', await sharp({ create: { width: 100, height: 50, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } }).png().toBuffer(), 'image/png')
  await put('notes.txt', 'not an image', 'text/plain')
}, 120_000)
afterAll(() => server.stop())

describe('fit modes (documented semantics)', () => {
  const cases: Array<[string, number, number]> = [
    ['w=200&h=200', 200, 150], // fit: inside, aspect kept
    ['w=2000&h=2000', 800, 600], // fit never enlarges
    ['w=2000&h=2000&fit=contain', 2000, 1500], // contain may enlarge
    ['w=200&h=200&fit=cover', 200, 200],
    ['w=200&h=200&fit=fill', 200, 200],
    ['w=200&h=200&fit=pad', 200, 200],
    ['w=1000&h=1000&fit=crop', 600, 600], // largest square region at native scale
    ['w=100&dpr=2', 200, 150],
    ['w=100&h=50&rotate=90', 38, 50], // rotated to 600x800 first, then fit in 100x50
  ]
  for (const [q, w, h] of cases) {
    test(`${q} → ${w}x${h}`, async () => {
      const { r, meta } = await img(`photos/hero.jpg?${q}&format=png`)
      expect(r.status).toBe(200)
      expect(r.headers.get('content-type')).toBe('image/png')
      expect([meta!.width, meta!.height]).toEqual([w, h])
    })
  }

  test('gravity picks the crop window: we keeps the blue left edge, ea the red right edge', async () => {
    const west = await img('photos/hero.jpg?w=100&h=100&fit=cover&gravity=we&format=png')
    const east = await img('photos/hero.jpg?w=100&h=100&fit=cover&gravity=ea&format=png')
    // Scaled to 133x100, the blue half spans x<66: the centre of the west window (x=50) is blue,
    // of the east window (x=83) red. The source is a JPEG: compare the dominant channel.
    const dominant = async (b: Buffer) => {
      const raw = await sharp(b).raw().toBuffer()
      const at = (50 * 100 + 50) * 3
      const [r, g, bl] = raw.subarray(at, at + 3)
      return r > 200 && g < 60 && bl < 60 ? 'red' : bl > 200 && r < 60 && g < 60 ? 'blue' : `other ${r},${g},${bl}`
    }
    expect(await dominant(west.body)).toBe('blue')
    expect(await dominant(east.body)).toBe('red')
  })
})

describe('formats and caching', () => {
  test('format negotiation follows Accept with Vary; an explicit format does not vary', async () => {
    const avif = await img('photos/hero.jpg?w=120', { ...KEY, accept: 'image/avif,image/webp,*/*' })
    expect(avif.r.headers.get('content-type')).toBe('image/avif')
    expect(avif.r.headers.get('vary')).toBe('Accept')
    const webp = await img('photos/hero.jpg?w=120', { ...KEY, accept: 'image/webp,*/*' })
    expect(webp.meta!.format).toBe('webp')
    const plain = await img('photos/hero.jpg?w=120', { ...KEY, accept: '*/*' })
    expect(plain.meta!.format).toBe('jpeg')
    const alpha = await img('photos/small.png?w=50', { ...KEY, accept: '*/*' })
    expect(alpha.meta!.format).toBe('png')
    const explicit = await img('photos/hero.jpg?w=120&format=webp', { ...KEY, accept: 'image/avif' })
    expect(explicit.r.headers.get('content-type')).toBe('image/webp')
    expect(explicit.r.headers.get('vary')).toBeNull()
  })

  test('ETag and 304; an overwrite changes the rendition', async () => {
    const first = await img('photos/hero.jpg?w=64&format=jpeg')
    const etag = first.r.headers.get('etag')!
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/)
    expect(first.r.headers.get('cache-control')).toBe('private, max-age=3600')
    expect(first.r.headers.get('x-content-type-options')).toBe('nosniff')
    const again = await fetch(`${server.httpUrl}/api/img/${BUCKET}/photos/hero.jpg?w=64&format=jpeg`, { headers: { ...KEY, 'if-none-match': etag } })
    expect(again.status).toBe(304)
    await put('photos/hero.jpg', await sharp({ create: { width: 300, height: 300, channels: 3, background: '#00ff00' } }).jpeg().toBuffer())
    const after = await img('photos/hero.jpg?w=64&format=jpeg')
    expect(after.r.headers.get('etag')).not.toBe(etag)
    expect([after.meta!.width, after.meta!.height]).toEqual([64, 64])
  })
})

describe('the request log', () => {
  test('an image response logs the bytes it sent (out=N, not out=0), for a fresh rendition and a cached one', async () => {
    for (const attempt of ['rendered', 'cached']) {
      const { r, body } = await img('photos/small.png?w=40&format=png')
      expect(r.status).toBe(200)
      expect(body.length).toBeGreaterThan(0)
      expect(r.headers.get('content-length')).toBe(String(body.length))
      const id = r.headers.get('x-request-id')!
      const out = await untilOutput(server, ` ${id} `, `the log line of request ${id}`)
      const line = out.split('\n').find((l) => l.includes(` ${id} `))!
      expect({ attempt, op: /op=(\w+)/.exec(line)?.[1], out: /out=(\d+)/.exec(line)?.[1] }).toEqual({ attempt, op: 'TransformImage', out: String(body.length) })
    }
  })
})

describe('access and bad input', () => {
  test('a private bucket needs the owner; public-read serves anyone with public caching', async () => {
    const anon = await fetch(`${server.httpUrl}/api/img/${BUCKET}/photos/small.png?w=10`)
    expect(anon.status).toBe(403)
    expect((await anon.json()).error.code).toBe('AccessDenied')
    const set = await fetch(`${server.httpUrl}/api/buckets/${BUCKET}`, { method: 'PATCH', headers: { ...KEY, 'content-type': 'application/json' }, body: JSON.stringify({ publicRead: true }) })
    expect(set.status).toBe(200)
    const pub = await fetch(`${server.httpUrl}/api/img/${BUCKET}/photos/small.png?w=10`)
    expect(pub.status).toBe(200)
    expect(pub.headers.get('cache-control')).toBe('public, max-age=604800')
    await fetch(`${server.httpUrl}/api/buckets/${BUCKET}`, { method: 'PATCH', headers: { ...KEY, 'content-type': 'application/json' }, body: JSON.stringify({ publicRead: false }) })
  })

  test.each([
    ['photos/small.png?w=abc', 400, 'ValidationError'],
    ['photos/small.png?w=0', 400, 'ValidationError'],
    ['photos/small.png?w=5000', 400, 'ValidationError'],
    ['photos/small.png?fit=squash', 400, 'ValidationError'],
    ['photos/small.png?rotate=45', 400, 'ValidationError'],
    ['photos/small.png?bogus=1', 400, 'ValidationError'],
    ['photos/missing.png?w=10', 404, 'NoSuchKey'],
    ['notes.txt?w=10', 415, 'UnsupportedImage'],
  ])('%s → %d %s', async (path, status, code) => {
    const r = await fetch(`${server.httpUrl}/api/img/${BUCKET}/${path}`, { headers: KEY })
    expect(r.status).toBe(status)
    expect((await r.json()).error.code).toBe(code)
  })

  test('a source above the pixel limit is refused from its header (413)', async () => {
    // 9000x9000 = 81 megapixels > 50: a tiny PNG that would decode to 243 MB.
    const bomb = await sharp({ create: { width: 9000, height: 9000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer()
    await put('bomb.png', bomb, 'image/png')
    const r = await fetch(`${server.httpUrl}/api/img/${BUCKET}/bomb.png?w=10`, { headers: KEY })
    expect(r.status).toBe(413)
    expect((await r.json()).error.code).toBe('ImageTooLarge')
  })
})
