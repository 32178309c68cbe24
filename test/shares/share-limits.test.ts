/**
 * Download limits under concurrency (a slot is taken in a transaction before streaming, counted
 * when the body completes, given back when the client leaves), and the per-IP and per-link rate
 * limits of /s/ (token buckets shaped like the S3 ones: a short queue, then 429).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { startInProcess, type InProcessTestServer } from '../helpers/server'
import { eventsOf, row, share, until, upload } from './helpers'

describe('maxDownloads under concurrency', () => {
  let srv: InProcessTestServer
  let restartedDir: string | null = null
  beforeAll(async () => {
    srv = await startInProcess()
  }, 120_000)
  afterAll(async () => {
    await srv.stop()
    if (restartedDir) rmSync(restartedDir, { recursive: true, force: true })
  })

  test('40 parallel downloads of a 3-download link: exactly 3 get the file, the rest 410, the count ends at 3', async () => {
    const bytes = randomBytes(8 * 1024 * 1024)
    await upload(srv, 'root', 'big/parallel.bin', new Uint8Array(bytes), 'application/octet-stream')
    const s = await share(srv, { bucket: 'root', key: 'big/parallel.bin', maxDownloads: 3 })
    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(s.url)))
    const ok = answers.filter((r) => r.status === 200)
    const gone = answers.filter((r) => r.status === 410)
    expect([ok.length, gone.length]).toEqual([3, 37])
    for (const r of gone) expect(await r.text()).toContain('download limit')
    const bodies = await Promise.all(ok.map(async (r) => Buffer.from(await r.arrayBuffer())))
    for (const b of bodies) expect(b.equals(bytes)).toBe(true)
    await until(() => row(srv, s.id).downloads === 3, 'three completed downloads')
    expect(row(srv, s.id)).toMatchObject({ reserved: 0, downloads: 3 })
    expect(eventsOf(srv, 'share.downloaded').filter((e) => e.shareId === s.id).map((e) => e.downloads).sort()).toEqual([1, 2, 3])
    expect((await fetch(s.url)).status).toBe(410)
  }, 120_000)

  test('a download the client abandons gives its slot back; a ranged read that stops short never takes one', async () => {
    // Large enough that the appliance cannot have handed it all to the socket when the client leaves.
    const bytes = randomBytes(48 * 1024 * 1024)
    await upload(srv, 'root', 'big/abandon.bin', new Uint8Array(bytes), 'application/octet-stream')
    const s = await share(srv, { bucket: 'root', key: 'big/abandon.bin', maxDownloads: 1 })
    const ac = new AbortController()
    const r = await fetch(s.url, { signal: ac.signal })
    expect(r.status).toBe(200)
    expect(row(srv, s.id).reserved).toBe(1)
    // While the one slot is held, a second full download is refused…
    expect((await fetch(s.url)).status).toBe(410)
    const reader = r.body!.getReader()
    await reader.read()
    ac.abort()
    await until(() => row(srv, s.id).reserved === 0, 'the abandoned slot to be released')
    expect(row(srv, s.id).downloads).toBe(0)
    // …a ranged read that stops before the end needs a free slot but does not use it up…
    const part = await fetch(s.url, { headers: { range: 'bytes=0-9' } })
    expect(part.status).toBe(206)
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true)
    expect(row(srv, s.id)).toMatchObject({ reserved: 0, downloads: 0 })
    // …and the one allowed download still happens, completely.
    const full = await fetch(s.url)
    expect(full.status).toBe(200)
    expect(Buffer.from(await full.arrayBuffer()).equals(bytes)).toBe(true)
    await until(() => row(srv, s.id).downloads === 1, 'the download to count')
    expect((await fetch(s.url, { headers: { range: 'bytes=0-9' } })).status).toBe(410)
  }, 120_000)

  test('slots of downloads cut off by a stop are free again after a restart', async () => {
    await upload(srv, 'root', 'big/restart.txt', 'x')
    const s = await share(srv, { bucket: 'root', key: 'big/restart.txt', maxDownloads: 1 })
    // What a crash mid-download leaves behind: a slot held, nothing counted.
    srv.app.ctx.db.tx(() => srv.app.ctx.repos.shares.reserve(s.id))
    expect((await fetch(s.url)).status).toBe(410)
    const dataDir = (restartedDir = srv.dataDir)
    await srv.app.stop()
    srv = await startInProcess({ dataDir })
    expect(row(srv, s.id).reserved).toBe(0)
    expect(await (await fetch(`${srv.httpUrl}/s/${s.url.split('/s/')[1]}`)).text()).toBe('x')
  }, 120_000)
})

describe('rate limits on /s/', () => {
  let srv: InProcessTestServer
  // A frozen clock: no token accrues while the test runs, so the counts below are exact.
  const frozen = Date.now()
  let url: string
  beforeAll(async () => {
    srv = await startInProcess({
      now: () => frozen,
      env: { CLOUDSTORAGE_RATE_LIMITS: 'on', CLOUDSTORAGE_ADMIN_RATE_LIMIT_EXEMPT: 'on', CLOUDSTORAGE_TRUST_PROXY: 'on', CLOUDSTORAGE_SHARE_IP_RATE: '10', CLOUDSTORAGE_SHARE_LINK_RATE: '20' },
    })
    await upload(srv, 'root', 'rl.txt', 'rate limited')
    url = (await share(srv, { bucket: 'root', key: 'rl.txt' })).url
  }, 120_000)
  afterAll(() => srv.stop())

  const head = (u: string, ip: string) => fetch(u, { method: 'HEAD', headers: { 'x-forwarded-for': ip } })

  test('per client IP, before the token is even looked up: a burst, a short queue, then 429 pages with Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${srv.httpUrl}/s/${'B'.repeat(43)}`, { headers: { 'x-forwarded-for': '203.0.113.7' } })))
    const statuses = answers.map((r) => r.status)
    // 10 at once (the burst), 16 after waiting their turn, the rest refused.
    expect(statuses.filter((s) => s === 404).length).toBe(26)
    const refused = answers.filter((r) => r.status === 429)
    expect(refused.length).toBe(34)
    for (const r of refused) {
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    // Another client is not affected.
    expect((await head(url, '203.0.113.8')).status).toBe(200)
  }, 60_000)

  test('per link: many clients together get its rate, no more', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => head(url, `198.51.100.${i + 1}`)))
    const statuses = answers.map((r) => r.status)
    // The link's burst of 20 (one already used above), 16 queued, the rest 429.
    expect(statuses.filter((s) => s === 200).length).toBe(35)
    expect(statuses.filter((s) => s === 429).length).toBe(25)
  }, 60_000)
})
