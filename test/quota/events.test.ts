/**
 * Issue 5, quota events in the durable outbox (the events table, read with SQLite while the
 * server runs): `quota.warning` once per threshold crossing (80, 90, 95 % by default), re-armed
 * when usage drops back below a threshold; `quota.exceeded` on a rejection, coalesced to at most
 * one per account per minute.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Fetch } from '../helpers/raw-s3'
import { apiAccount, bytesOf, eventsOf, keyHeaders, meUsage, type QuotaAccount } from './helpers'

setDefaultTimeout(60_000)
const QUOTA = 10_000

let srv: TestServer
beforeAll(async () => { srv = await startInProcess() })
afterAll(async () => { await srv?.stop() })

/** An account with a 10 000-byte quota whose default bucket has Time Machine off (a delete frees at once). */
async function account(): Promise<QuotaAccount> {
  const a = await apiAccount(srv, QUOTA)
  expect(a.quota).toBe(QUOTA)
  const r = await fetch(`${srv.httpUrl}/api/buckets/${a.bucket}`, { method: 'PATCH', headers: { ...keyHeaders(a), 'content-type': 'application/json' }, body: JSON.stringify({ versioning: false }) })
  expect(r.status).toBe(200)
  return a
}

const put = async (a: QuotaAccount, key: string, n: number) => (await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key, body: bytesOf(n), creds: a })).status
const del = async (a: QuotaAccount, key: string) => (await s3Fetch(srv.s3Url, { method: 'DELETE', bucket: a.bucket, key, creds: a })).status
const thresholds = (a: QuotaAccount) => eventsOf(srv, a.id, 'quota.warning').map((e) => e.payload.threshold)

test('quota.warning: once per crossing of 80, 90 and 95 %, never again while above; re-armed after dropping below', async () => {
  const a = await account()
  const steps: Array<[string, () => Promise<number>, number, number[]]> = [
    // [what, action, usage after, thresholds warned so far]
    ['7999 bytes (79.99 %)', () => put(a, 'k1', 7999), 7999, []],
    ['+1 → exactly 80 %', () => put(a, 'k2', 1), 8000, [80]],
    ['+500 → 85 %', () => put(a, 'k3', 500), 8500, [80]],
    ['+500 → 90 %', () => put(a, 'k4', 500), 9000, [80, 90]],
    ['+499 → 94.99 %', () => put(a, 'k5', 499), 9499, [80, 90]],
    ['+1 → 95 %', () => put(a, 'k6', 1), 9500, [80, 90, 95]],
    ['+400 → 99 %', () => put(a, 'k7', 400), 9900, [80, 90, 95]],
    ['delete 500 → 94 % (below 95: re-armed, no event)', () => del(a, 'k3'), 9400, [80, 90, 95]],
    ['+100 → 95 % again', () => put(a, 'k8', 100), 9500, [80, 90, 95, 95]],
    ['delete 7999 → 15 % (below all)', () => del(a, 'k1'), 1501, [80, 90, 95, 95]],
    ['+7000 → 85 %: 80 crossed again', () => put(a, 'k9', 7000), 8501, [80, 90, 95, 95, 80]],
    ['overwrite k9 with 6000 → 75 % (Time Machine off: the delta)', () => put(a, 'k9', 6000), 7501, [80, 90, 95, 95, 80]],
    ['+1999 → 95 %: one event for the highest threshold crossed', () => put(a, 'k10', 1999), 9500, [80, 90, 95, 95, 80, 95]],
  ]
  for (const [what, action, usage, warned] of steps) {
    const status = await action()
    expect({ what, status }).toEqual({ what, status: what.startsWith('delete') ? 204 : 200 })
    expect({ what, usage: (await meUsage(srv, a)).bytes }).toEqual({ what, usage })
    expect({ what, warned: thresholds(a) }).toEqual({ what, warned })
  }
  const last = eventsOf(srv, a.id, 'quota.warning').pop()!
  expect(last.payload).toEqual({ usedBytes: 9500, quotaBytes: QUOTA, percent: 95, threshold: 95 })
  expect(eventsOf(srv, a.id, 'quota.exceeded')).toEqual([])
})

test('quota.warning from multipart parts and from the REST API too (usage from any write path)', async () => {
  const a = await account()
  const form = new FormData()
  form.append('bucket', a.bucket)
  form.append('file', new Blob([bytesOf(8000)]), 'rest.bin')
  expect((await fetch(`${srv.httpUrl}/api/v1/files`, { method: 'POST', headers: keyHeaders(a), body: form })).status).toBe(201)
  expect(thresholds(a)).toEqual([80])
  const create = await s3Fetch(srv.s3Url, { method: 'POST', bucket: a.bucket, key: 'mp', query: { uploads: '' }, creds: a })
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await create.text())![1]
  const part = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'mp', query: { partNumber: '1', uploadId }, body: bytesOf(1000), creds: a })
  expect(part.status).toBe(200)
  expect(thresholds(a)).toEqual([80, 90])
})

test('quota.exceeded on a rejection, coalesced: further rejections within a minute (any path) add no event', async () => {
  const a = await account()
  expect(await put(a, 'fill', 9000)).toBe(200)
  const warningsBefore = thresholds(a)
  expect(eventsOf(srv, a.id, 'quota.exceeded')).toEqual([])

  const first = await s3Fetch(srv.s3Url, { method: 'PUT', bucket: a.bucket, key: 'over', body: bytesOf(1001), creds: a })
  expect(first.status).toBe(403)
  const ev = eventsOf(srv, a.id, 'quota.exceeded')
  expect(ev.length).toBe(1)
  expect(ev[0].payload).toEqual({ usedBytes: 9000, quotaBytes: QUOTA })

  // Another rejection through another surface, and an unknown-length cut-off: still one event.
  const rest = await fetch(`${srv.httpUrl}/api/v1/files?bucket=${a.bucket}&key=over2`, { method: 'POST', headers: keyHeaders(a), body: bytesOf(2000) })
  expect(rest.status).toBe(403)
  const form = new FormData()
  form.append('bucket', a.bucket)
  form.append('file', new Blob([bytesOf(5000)]), 'cut.bin')
  expect((await fetch(`${srv.httpUrl}/api/v1/files`, { method: 'POST', headers: keyHeaders(a), body: form })).status).toBe(403)
  expect(await put(a, 'over3', 1001)).toBe(403)
  expect(eventsOf(srv, a.id, 'quota.exceeded').length).toBe(1)
  // Rejections are not usage changes: no warning either.
  expect(thresholds(a)).toEqual(warningsBefore)
})

test('quota.exceeded is per account: a second account gets its own event; an unknown-length cut-off counts as a rejection', async () => {
  const a = await account()
  const b = await account()
  expect(await put(a, 'fill', 10_000)).toBe(200)
  expect(await put(a, 'over', 1)).toBe(403)
  const form = new FormData()
  form.append('bucket', b.bucket)
  form.append('file', new Blob([bytesOf(10_001)]), 'cut.bin')
  const cut = await fetch(`${srv.httpUrl}/api/v1/files`, { method: 'POST', headers: keyHeaders(b), body: form })
  expect(cut.status).toBe(403)
  expect(eventsOf(srv, a.id, 'quota.exceeded').map((e) => e.payload)).toEqual([{ usedBytes: 10_000, quotaBytes: QUOTA }])
  expect(eventsOf(srv, b.id, 'quota.exceeded').map((e) => e.payload)).toEqual([{ usedBytes: 0, quotaBytes: QUOTA }])
})

// Deleting a bucket frees usage and re-arms the warning thresholds it dropped below.
test('usage freed by deleting a bucket re-arms the warnings', async () => {
  const a = await account()
  const name = `ev-${Date.now().toString(36)}`
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: name, creds: a })).status).toBe(200)
  expect((await s3Fetch(srv.s3Url, { method: 'PUT', bucket: name, key: 'k', body: bytesOf(9600), creds: a })).status).toBe(200)
  expect(thresholds(a)).toEqual([95])
  const del = await fetch(`${srv.httpUrl}/api/buckets/${name}?force=true`, { method: 'DELETE', headers: keyHeaders(a) })
  expect(del.status).toBe(200)
  expect(await put(a, 'again', 8500)).toBe(200)
  expect(thresholds(a)).toEqual([95, 80])
})

test('quota-warning-thresholds from the config file replace the defaults', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cs-thr-'))
  const cfg = join(dir, 'thresholds.yaml')
  writeFileSync(cfg, 'quota-warning-thresholds: [50, 75]\n')
  const s = await startInProcess({ args: ['--config', cfg] })
  try {
    const a = await apiAccount(s, QUOTA)
    const p = async (key: string, n: number) => (await s3Fetch(s.s3Url, { method: 'PUT', bucket: a.bucket, key, body: bytesOf(n), creds: a })).status
    expect(await p('a', 4999)).toBe(200)
    expect(eventsOf(s, a.id, 'quota.warning')).toEqual([])
    expect(await p('b', 1)).toBe(200)
    expect(await p('c', 2500)).toBe(200)
    expect(await p('d', 2000)).toBe(200) // 95 %: no default threshold applies any more
    expect(eventsOf(s, a.id, 'quota.warning').map((e) => e.payload.threshold)).toEqual([50, 75])
  } finally {
    await s.stop()
    rmSync(dir, { recursive: true, force: true })
  }
})
