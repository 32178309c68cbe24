/**
 * Share links: the /api/shares shapes, the public /s/{token} downloads (Range, ETag/304, HEAD,
 * attachment vs inline), expiry on an injected clock, revocation, version pinning, deletion of
 * the source, prefix shares, image renditions, the password flow over plain HTTP, and the
 * share.created / share.downloaded events.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import sharp from 'sharp'
import { CreateBucketCommand, DeleteObjectCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { s3Client } from '../helpers/s3-client'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { adminHeaders, createAccount } from '../rest/rest-helpers'
import { logSettled } from '../helpers/output'
import { api, eventsOf, row, share, upload } from './helpers'

let srv: InProcessTestServer
/** The appliance's clock runs with real time plus this offset (tests move it forward). */
let offset = 0
const TOKEN = /^[A-Za-z0-9_-]{43}$/

beforeAll(async () => {
  srv = await startInProcess({ now: () => Date.now() + offset })
}, 120_000)
afterAll(() => srv.stop())

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, redirect: 'manual' })

describe('POST /api/shares and the listing', () => {
  test('create answers 201 with the documented shape; the URL serves the file; list and get show it with its URL', async () => {
    await upload(srv, 'root', 'docs/report.txt', 'quarterly numbers')
    const r = await api(srv, 'POST', '/api/shares', { bucket: 'root', key: 'docs/report.txt' })
    expect(r.status).toBe(201)
    expect(Object.keys(r.body).sort()).toEqual(['bucket', 'createdAt', 'downloads', 'expiresAt', 'hasPassword', 'id', 'key', 'maxDownloads', 'prefix', 'revokedAt', 'status', 'token', 'url', 'versionId'])
    expect(r.body).toMatchObject({ bucket: 'root', key: 'docs/report.txt', versionId: null, prefix: false, expiresAt: null, maxDownloads: null, downloads: 0, hasPassword: false, revokedAt: null, status: 'active' })
    expect(r.body.id).toMatch(/^sh_[0-9a-f]{18}$/)
    expect(r.body.token).toMatch(TOKEN)
    expect(r.body.url).toBe(`${srv.httpUrl}/s/${r.body.token}`)
    const d = await get(r.body.url)
    expect(d.status).toBe(200)
    expect(await d.text()).toBe('quarterly numbers')
    const list = await api(srv, 'GET', '/api/shares?bucket=root&key=docs/report.txt')
    expect(list.status).toBe(200)
    expect(list.body.shares).toHaveLength(1)
    expect(list.body.shares[0]).toMatchObject({ id: r.body.id, url: r.body.url, token: r.body.token, downloads: 1 })
    const one = await api(srv, 'GET', `/api/shares/${r.body.id}`)
    expect(one.body).toMatchObject({ id: r.body.id, url: r.body.url, downloads: 1, status: 'active' })
  })

  test('only a hash of the token is looked up; the token itself is stored sealed, never in clear', async () => {
    const s = await share(srv, { bucket: 'root', key: 'docs/report.txt' })
    const stored = row(srv, s.id)
    expect(stored.tokenHash).toBe(new Bun.CryptoHasher('sha256').update(s.token).digest('hex'))
    expect(stored.tokenEnc).toStartWith('v1:')
    expect(JSON.stringify(stored)).not.toContain(s.token)
  })

  test('validation: missing file 404, bad numbers 400, a prefix cannot pin a version, unknown fields 400', async () => {
    expect((await api(srv, 'POST', '/api/shares', { bucket: 'root', key: 'nope.txt' })).body.error.code).toBe('NoSuchKey')
    expect((await api(srv, 'POST', '/api/shares', { bucket: 'no-such-bucket-x', key: 'a' })).body.error.code).toBe('NoSuchBucket')
    for (const bad of [{ expiresIn: 0 }, { expiresIn: 1.5 }, { maxDownloads: 0 }, { maxDownloads: -1 }, { extra: 1 }]) {
      const r = await api(srv, 'POST', '/api/shares', { bucket: 'root', key: 'docs/report.txt', ...bad })
      expect([JSON.stringify(bad), r.status, r.body.error.code]).toEqual([JSON.stringify(bad), 400, 'ValidationError'])
    }
    const r = await api(srv, 'POST', '/api/shares', { bucket: 'root', key: 'docs/', versionId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })
    expect([r.status, r.body.error.code]).toEqual([400, 'ValidationError'])
    expect((await api(srv, 'GET', '/api/shares/sh_000000000000000000')).status).toBe(404)
  })

  test('without credentials every /api/shares route is 401', async () => {
    for (const [method, path] of [['GET', '/api/shares'], ['POST', '/api/shares'], ['GET', '/api/shares/sh_1'], ['DELETE', '/api/shares/sh_1']]) {
      const r = await fetch(srv.httpUrl + path, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined })
      expect([method, path, r.status]).toEqual([method, path, 401])
    }
  })

  test('share.created is emitted (without the token)', async () => {
    const s = await share(srv, { bucket: 'root', key: 'docs/report.txt', maxDownloads: 5, expiresIn: 3600, password: 'pw-1234567' })
    const e = eventsOf(srv, 'share.created').find((x) => x.shareId === s.id)!
    expect(e).toMatchObject({ shareId: s.id, bucket: 'root', key: 'docs/report.txt', versionId: null, prefix: false, maxDownloads: 5, hasPassword: true })
    expect(Date.parse(e.expiresAt)).toBeGreaterThan(Date.now())
    expect(JSON.stringify(e)).not.toContain(s.token)
  })
})

describe('downloads', () => {
  const body = 'abcdefghijklmnopqrstuvwxyz'
  let s: { id: string; url: string }
  beforeAll(async () => {
    await upload(srv, 'root', 'files/alphabet page.html', body, 'text/html')
    s = await share(srv, { bucket: 'root', key: 'files/alphabet page.html' })
  })

  test('attachment by default; ?inline=1 inline, always with nosniff and a sandbox CSP (uploaded HTML cannot run script here)', async () => {
    const a = await get(s.url)
    expect(a.headers.get('content-disposition')).toBe(`attachment; filename="alphabet page.html"; filename*=UTF-8''alphabet%20page.html`)
    expect(a.headers.get('content-type')).toBe('text/html')
    expect(a.headers.get('x-content-type-options')).toBe('nosniff')
    expect(a.headers.get('content-security-policy')).toStartWith('sandbox;')
    expect(a.headers.get('referrer-policy')).toBe('no-referrer')
    expect(a.headers.get('accept-ranges')).toBe('bytes')
    expect(await a.text()).toBe(body)
    const i = await get(`${s.url}?inline=1`)
    expect(i.headers.get('content-disposition')).toStartWith('inline; ')
    expect(i.headers.get('content-security-policy')).toStartWith('sandbox;')
    expect(i.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await i.text()).toBe(body)
  })

  test('Range: a part before the end is 206 and does not count; one reaching the last byte counts; suffix ranges too', async () => {
    const before = row(srv, s.id).downloads
    const p = await get(s.url, { range: 'bytes=2-5' })
    expect(p.status).toBe(206)
    expect(p.headers.get('content-range')).toBe(`bytes 2-5/${body.length}`)
    expect(await p.text()).toBe('cdef')
    expect(row(srv, s.id).downloads).toBe(before)
    const rest = await get(s.url, { range: 'bytes=6-' })
    expect(rest.status).toBe(206)
    expect(await rest.text()).toBe(body.slice(6))
    expect(row(srv, s.id).downloads).toBe(before + 1)
    const suffix = await get(s.url, { range: 'bytes=-3' })
    expect(await suffix.text()).toBe('xyz')
    expect(row(srv, s.id).downloads).toBe(before + 2)
    const bad = await get(s.url, { range: 'bytes=100-200' })
    expect(bad.status).toBe(416)
    expect(bad.headers.get('content-type')).toStartWith('text/html')
    expect(bad.headers.get('content-range')).toBe(`bytes */${body.length}`)
  })

  test('If-Range with another ETag gets the whole file', async () => {
    const r = await get(s.url, { range: 'bytes=0-1', 'if-range': '"0123456789abcdef0123456789abcdef"' })
    expect(r.status).toBe(200)
    expect(await r.text()).toBe(body)
  })

  test('ETag/If-None-Match answers 304 and HEAD shows the size; neither counts as a download', async () => {
    const first = await get(s.url)
    const etag = first.headers.get('etag')!
    await first.text()
    const before = row(srv, s.id).downloads
    const nm = await get(s.url, { 'if-none-match': etag })
    expect(nm.status).toBe(304)
    expect(nm.headers.get('etag')).toBe(etag)
    const h = await fetch(s.url, { method: 'HEAD' })
    expect(h.status).toBe(200)
    expect(h.headers.get('content-length')).toBe(String(body.length))
    expect(h.headers.get('etag')).toBe(etag)
    expect(row(srv, s.id).downloads).toBe(before)
  })

  test('each completed download emits share.downloaded with the running count', async () => {
    const before = row(srv, s.id).downloads
    await (await get(s.url)).text()
    const e = eventsOf(srv, 'share.downloaded').filter((x) => x.shareId === s.id).pop()!
    expect(e).toMatchObject({ shareId: s.id, bucket: 'root', key: 'files/alphabet page.html', size: body.length, downloads: before + 1, rendition: false })
  })

  test('maxDownloads: the last allowed download succeeds, the next is 410 with a plain page, never the object', async () => {
    await upload(srv, 'root', 'files/once.txt', 'only once')
    const once = await share(srv, { bucket: 'root', key: 'files/once.txt', maxDownloads: 1 })
    expect(await (await get(once.url)).text()).toBe('only once')
    const again = await get(once.url)
    expect(again.status).toBe(410)
    expect(again.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const page = await again.text()
    expect(page).toContain('download limit')
    expect(page).not.toContain('only once')
    expect((await api(srv, 'GET', `/api/shares/${once.id}`)).body).toMatchObject({ downloads: 1, status: 'exhausted' })
  })
})

describe('expiry, revocation, the end of the source', () => {
  test('an expiring link works until its time, then answers 410 (clock injected)', async () => {
    await upload(srv, 'root', 'exp/a.txt', 'soon gone')
    const s = await share(srv, { bucket: 'root', key: 'exp/a.txt', expiresIn: 60 })
    const created = await api(srv, 'GET', `/api/shares/${s.id}`)
    expect(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt)).toBe(60_000)
    offset += 59_000
    expect((await get(s.url)).status).toBe(200)
    offset += 2_000
    const r = await get(s.url)
    expect(r.status).toBe(410)
    expect(await r.text()).toContain('expired')
    expect((await api(srv, 'GET', `/api/shares/${s.id}`)).body.status).toBe('expired')
  })

  test('a link without expiry still works a year later', async () => {
    await upload(srv, 'root', 'exp/forever.txt', 'stays')
    const s = await share(srv, { bucket: 'root', key: 'exp/forever.txt' })
    offset += 366 * 86_400_000
    expect(await (await get(s.url)).text()).toBe('stays')
  })

  test('revoke: DELETE answers success, the link is 410 at once, the list shows revokedAt', async () => {
    await upload(srv, 'root', 'rev/a.txt', 'revocable')
    const s = await share(srv, { bucket: 'root', key: 'rev/a.txt' })
    expect((await get(s.url)).status).toBe(200)
    const d = await api(srv, 'DELETE', `/api/shares/${s.id}`)
    expect([d.status, d.body]).toEqual([200, { success: true }])
    const r = await get(s.url)
    expect(r.status).toBe(410)
    expect(await r.text()).toContain('revoked')
    const after = await api(srv, 'GET', `/api/shares/${s.id}`)
    expect(after.body.status).toBe('revoked')
    expect(Date.parse(after.body.revokedAt)).toBeGreaterThan(0)
  })

  test('deleting the object ends its link for good (even if the key is written again); other keys unaffected', async () => {
    const f = await upload(srv, 'root', 'del/a.txt', 'first')
    await upload(srv, 'root', 'del/b.txt', 'other')
    const a = await share(srv, { bucket: 'root', key: 'del/a.txt' })
    const b = await share(srv, { bucket: 'root', key: 'del/b.txt' })
    expect((await api(srv, 'DELETE', `/api/v1/files/${f.id}`)).status).toBe(200)
    const r = await get(a.url)
    expect(r.status).toBe(410)
    expect(await r.text()).toContain('deleted')
    await upload(srv, 'root', 'del/a.txt', 'second life')
    expect((await get(a.url)).status).toBe(410)
    expect((await api(srv, 'GET', `/api/shares/${a.id}`)).body.status).toBe('ended')
    expect(await (await get(b.url)).text()).toBe('other')
  })

  test('an S3 DeleteObject (a delete marker in a versioned bucket) ends the link too; undeleting does not revive it', async () => {
    const s3 = s3Client(srv.s3Url)
    await s3.send(new CreateBucketCommand({ Bucket: 'share-versioned' }))
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'share-versioned', VersioningConfiguration: { Status: 'Enabled' } }))
    await s3.send(new PutObjectCommand({ Bucket: 'share-versioned', Key: 'v.txt', Body: 'one' }))
    const s = await share(srv, { bucket: 'share-versioned', key: 'v.txt' })
    expect(await (await get(s.url)).text()).toBe('one')
    const del = await s3.send(new DeleteObjectCommand({ Bucket: 'share-versioned', Key: 'v.txt' }))
    expect(del.DeleteMarker).toBe(true)
    expect((await get(s.url)).status).toBe(410)
    await s3.send(new DeleteObjectCommand({ Bucket: 'share-versioned', Key: 'v.txt', VersionId: del.VersionId }))
    expect((await get(s.url)).status).toBe(410)
  })

  test('a deleted bucket takes its links with it (404); so does a deleted account', async () => {
    expect((await api(srv, 'POST', '/api/buckets', { name: 'share-doomed' })).status).toBe(201)
    await upload(srv, 'share-doomed', 'x.txt', 'doomed')
    const s = await share(srv, { bucket: 'share-doomed', key: 'x.txt' })
    expect((await api(srv, 'DELETE', '/api/buckets/share-doomed?force=true')).status).toBe(200)
    expect((await get(s.url)).status).toBe(404)
    expect((await api(srv, 'GET', `/api/shares/${s.id}`)).status).toBe(404)

    const other = await createAccount(srv)
    await upload(srv, other.bucket, 'mine.txt', 'theirs', 'text/plain', other.apiKey)
    const o = await share(srv, { bucket: other.bucket, key: 'mine.txt' }, other.apiKey)
    expect(await (await get(o.url)).text()).toBe('theirs')
    // A suspended owner's links go dark (403), and come back when the account is active again.
    expect((await fetch(`${srv.httpUrl}/api/admin/accounts/${other.id}`, { method: 'PATCH', headers: { ...adminHeaders(srv), 'content-type': 'application/json' }, body: JSON.stringify({ status: 'suspended' }) })).status).toBe(200)
    const dark = await get(o.url)
    expect(dark.status).toBe(403)
    expect(await dark.text()).not.toContain('theirs')
    expect((await fetch(`${srv.httpUrl}/api/admin/accounts/${other.id}`, { method: 'PATCH', headers: { ...adminHeaders(srv), 'content-type': 'application/json' }, body: JSON.stringify({ status: 'active' }) })).status).toBe(200)
    expect((await get(o.url)).status).toBe(200)
    expect((await fetch(`${srv.httpUrl}/api/admin/accounts/${other.id}`, { method: 'DELETE', headers: adminHeaders(srv) })).status).toBe(200)
    expect((await get(o.url)).status).toBe(404)
    expect(srv.app.ctx.repos.shares.byId(o.id)).toBeNull()
  })
})

describe('version pinning', () => {
  test('a pinned link keeps serving its version after overwrites; the unpinned one follows; deleting the version ends the pinned one', async () => {
    const v1 = await upload(srv, 'root', 'pin/doc.txt', 'version one')
    const pinned = await share(srv, { bucket: 'root', key: 'pin/doc.txt', versionId: v1.versionId })
    const current = await share(srv, { bucket: 'root', key: 'pin/doc.txt' })
    expect((await api(srv, 'GET', `/api/shares/${pinned.id}`)).body.versionId).toBe(v1.versionId)
    await upload(srv, 'root', 'pin/doc.txt', 'version two')
    expect(await (await get(pinned.url)).text()).toBe('version one')
    expect(await (await get(current.url)).text()).toBe('version two')
    // ?versionId= on the public URL is ignored: a link serves what it was made for, nothing else.
    expect(await (await get(`${current.url}?versionId=${v1.versionId}`)).text()).toBe('version two')
    const del = await api(srv, 'DELETE', `/api/versions/${v1.versionId}`)
    expect(del.status).toBe(200)
    const r = await get(pinned.url)
    expect(r.status).toBe(410)
    expect(await r.text()).not.toContain('version one')
    expect((await api(srv, 'GET', `/api/shares/${pinned.id}`)).body.status).toBe('ended')
    expect(await (await get(current.url)).text()).toBe('version two')
  })

  test('pinning a version of another key, or one that does not exist, is 404 NoSuchVersion', async () => {
    const a = await upload(srv, 'root', 'pin/a.txt', 'a')
    await upload(srv, 'root', 'pin/b.txt', 'b')
    for (const versionId of [a.versionId, '01ARZ3NDEKTSV4RRFFQ69G5FAV']) {
      const r = await api(srv, 'POST', '/api/shares', { bucket: 'root', key: 'pin/b.txt', versionId })
      expect([r.status, r.body.error.code]).toEqual([404, 'NoSuchVersion'])
    }
  })
})

describe('prefix shares', () => {
  let s: { id: string; url: string; token: string }
  beforeAll(async () => {
    await upload(srv, 'root', 'album/one.txt', 'first file')
    await upload(srv, 'root', 'album/sub/two.txt', 'second file')
    await upload(srv, 'root', 'album/<i>x&"y\'.txt', 'tricky name')
    await upload(srv, 'root', 'albumx.txt', 'outside: no slash')
    await upload(srv, 'root', 'private/secret.txt', 'do not leak')
    s = await share(srv, { bucket: 'root', key: 'album/' })
  })

  test('the link shows a small HTML listing of the folder: escaped names, links under /s/{token}/', async () => {
    const r = await get(s.url)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(r.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await r.text()
    expect(html).not.toContain('<script')
    expect(html).toContain(`<a href="/s/${s.token}/one.txt">one.txt</a>`)
    expect(html).toContain(`<a href="/s/${s.token}/sub/">sub/</a>`)
    expect(html).toContain('>&lt;i&gt;x&amp;&quot;y&#39;.txt</a>')
    expect(html).not.toContain('<i>x')
    expect(html).toContain(`href="/s/${s.token}/%3Ci%3Ex%26%22y&#39;.txt"`)
    expect(html).not.toContain('albumx')
    expect(html).not.toContain('secret')
    const sub = await (await get(`${s.url}/sub/`)).text()
    expect(sub).toContain(`<a href="/s/${s.token}/sub/two.txt">two.txt</a>`)
    expect(sub).toContain(`<a href="/s/${s.token}/">../</a>`)
  })

  test('files under the prefix are served like a single share (Range, attachment); the listing itself is no download', async () => {
    expect(await (await get(`${s.url}/one.txt`)).text()).toBe('first file')
    expect(await (await get(`${s.url}/sub/two.txt`)).text()).toBe('second file')
    expect(await (await get(`${s.url}/%3Ci%3Ex%26%22y'.txt`)).text()).toBe('tricky name')
    const part = await get(`${s.url}/sub/two.txt`, { range: 'bytes=0-5' })
    expect([part.status, await part.text()]).toEqual([206, 'second'])
    expect(row(srv, s.id).downloads).toBe(3)
    expect((await get(`${s.url}/missing.txt`)).status).toBe(404)
  })

  test('nothing outside the prefix is reachable: dot segments and encoded slashes stay inside it', async () => {
    for (const path of ['/../private/secret.txt', '/..%2Fprivate%2Fsecret.txt', '/%2E%2E/private/secret.txt', '/../albumx.txt']) {
      // curl --path-as-is sends the path exactly as written (fetch would normalise the dots away).
      const out = await Bun.$`curl -s --path-as-is -o - -w '\n%{http_code}' ${s.url + path}`.text()
      const status = Number(out.slice(out.lastIndexOf('\n') + 1))
      expect([path, status]).toEqual([path, 404])
      expect(out).not.toContain('do not leak')
      expect(out).not.toContain('outside: no slash')
    }
  })

  test('a single-file share has no sub-paths', async () => {
    const one = await share(srv, { bucket: 'root', key: 'album/one.txt' })
    expect((await get(`${one.url}/anything`)).status).toBe(404)
  })
})

describe('image renditions', () => {
  test('?w=&format= serves a transformed image through the image pipeline, no credentials needed; it counts as a download', async () => {
    const png = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#3366ff' } }).png().toBuffer()
    await upload(srv, 'root', 'photos/sky.png', png, 'image/png')
    const s = await share(srv, { bucket: 'root', key: 'photos/' })
    const r = await get(`${s.url}/sky.png?w=100&format=webp`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('image/webp')
    expect(r.headers.get('content-disposition')).toStartWith('inline; filename="sky.webp"')
    const meta = await sharp(Buffer.from(await r.arrayBuffer())).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 100, 75])
    const etag = r.headers.get('etag')!
    expect((await get(`${s.url}/sky.png?w=100&format=webp`, { 'if-none-match': etag })).status).toBe(304)
    expect(row(srv, s.id).downloads).toBe(1)
    expect(eventsOf(srv, 'share.downloaded').filter((e) => e.shareId === s.id).map((e) => e.rendition)).toEqual([true])
    // The same link's original is still the original.
    expect(Buffer.from(await (await get(`${s.url}/sky.png`)).arrayBuffer()).equals(png)).toBe(true)
    const bad = await get(`${s.url}/sky.png?w=0`)
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toStartWith('text/html')
  })
})

describe('passwords (HTTP)', () => {
  test('the form, a wrong password, the right one (a cookie scoped to the link), throttling like logins', async () => {
    await upload(srv, 'root', 'pw/secret.txt', 'behind a password')
    const s = await share(srv, { bucket: 'root', key: 'pw/secret.txt', password: 'open sesame 42' })
    const other = await share(srv, { bucket: 'root', key: 'pw/secret.txt', password: 'open sesame 42' })
    const locked = await get(s.url)
    expect(locked.status).toBe(403)
    const form = await locked.text()
    expect(form).toContain('type="password"')
    expect(form).toContain(`action="/s/${s.token}"`)
    expect(form).not.toContain('behind a password')
    expect((await fetch(s.url, { method: 'HEAD' })).status).toBe(403)

    const post = (password: string, token = s.token) => fetch(`${srv.httpUrl}/s/${token}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password, next: `/s/${token}?inline=1` }).toString(),
    })
    const wrong = await post('nope')
    expect(wrong.status).toBe(403)
    expect(await wrong.text()).toContain('Wrong password')
    const ok = await post('open sesame 42')
    expect(ok.status).toBe(303)
    expect(ok.headers.get('location')).toBe(`/s/${s.token}?inline=1`)
    const cookie = ok.headers.get('set-cookie')!
    expect(cookie).toMatch(new RegExp(`^cs_share=\\d+\\.[A-Za-z0-9_-]{43}; Path=/s/${s.token}; Max-Age=\\d+; HttpOnly; SameSite=Lax$`))
    const value = cookie.split(';')[0]
    expect(await (await get(s.url, { cookie: value })).text()).toBe('behind a password')
    // The cookie is bound to its share: another link with the same password is still locked.
    expect((await get(other.url, { cookie: value })).status).toBe(403)
    // A forged or altered cookie does not unlock.
    expect((await get(s.url, { cookie: value.slice(0, -2) + 'AA' })).status).toBe(403)
    // An open redirect is not possible through `next`.
    const evil = await fetch(`${srv.httpUrl}/s/${s.token}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'password=open+sesame+42&next=https%3A%2F%2Fevil.example%2F' })
    expect(evil.headers.get('location')).toBe(`/s/${s.token}`)

    // Ten wrong guesses from one client (one above), then even the right password waits (429
    // with Retry-After), as logins do: per link and per client.
    for (let i = 0; i < 9; i++) expect((await post(`guess-${i}`, other.token)).status).toBe(403)
    const throttled = await post('open sesame 42', other.token)
    expect(throttled.status).toBe(429)
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await throttled.text()).toContain('Too many wrong passwords')
    offset += 3_000
    expect((await post('open sesame 42', other.token)).status).toBe(303)
  }, 60_000)

  test('the unlock cookie expires (12 h) and never outlives the link', async () => {
    await upload(srv, 'root', 'pw/b.txt', 'b')
    const s = await share(srv, { bucket: 'root', key: 'pw/b.txt', password: 'another-secret', expiresIn: 3600 })
    const ok = await fetch(`${srv.httpUrl}/s/${s.token}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'password=another-secret' })
    const cookie = ok.headers.get('set-cookie')!
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1])
    expect(maxAge).toBeGreaterThan(3590)
    expect(maxAge).toBeLessThanOrEqual(3600)
    const value = cookie.split(';')[0]
    expect((await get(s.url, { cookie: value })).status).toBe(200)
    offset += 3_601_000
    expect((await get(s.url, { cookie: value })).status).toBe(410)
  })
})

describe('the share surface', () => {
  test('unknown tokens and paths are 404 pages; other methods 405; the request log never shows a token', async () => {
    for (const path of ['/s/', '/s/short', `/s/${'A'.repeat(43)}`, `/s/${'A'.repeat(43)}/x`]) {
      const r = await get(srv.httpUrl + path)
      expect([path, r.status]).toEqual([path, 404])
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9A-F]{16}$/)
    }
    await upload(srv, 'root', 'm.txt', 'm')
    const s = await share(srv, { bucket: 'root', key: 'm.txt' })
    const put = await fetch(s.url, { method: 'PUT', body: 'x' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST')
    await (await get(s.url)).text()
    const out = await logSettled(srv)
    expect(out).toContain('share GET /s/{token} 200')
    expect(out).not.toContain(s.token)
  })
})
