/**
 * Issue 5 / reliability test R9: concurrent writes racing for the last bytes of a quota. Every
 * request is started and held just short of its end (all but its last bytes sent), then all are
 * released together, so the server handles them truly at once. Exactly the writes that fit
 * win; stored bytes never exceed the quota (overrun = 0 bytes).
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { inflightRequests, METRICS_TOKEN } from '../helpers/held-body'
import { s3Client } from '../helpers/s3-client'
import { apiAccount, blobFiles, bytesOf, eventually, expectUsage, meUsage, rawExchange, signedHead, type QuotaAccount } from './helpers'

setDefaultTimeout(60_000)
const Q = 1024 * 1024

let srv: TestServer
beforeAll(async () => { srv = await startInProcess({ env: { CLOUDSTORAGE_METRICS_TOKEN: METRICS_TOKEN } }) })
afterAll(async () => { await srv?.stop() })

interface Held {
  release(): Promise<void>
  response: Promise<{ status: number; headers: Record<string, string>; body: string }>
  /** The response (or the connection's end) has arrived. */
  answered(): boolean
  close(): void
}

/** Sends a request's head and all of its body but the last `holdBack` bytes. */
function hold(url: string, method: string, headers: Record<string, string>, body: Uint8Array, holdBack = 1): Held {
  const x = rawExchange(url, method, { ...headers, 'content-length': String(body.length) }, body.subarray(0, body.length - holdBack))
  let answered = false
  // A request refused early may already be closed when the rest would be sent.
  x.response.then(() => (answered = true), () => (answered = true))
  return { release: () => x.write(body.subarray(body.length - holdBack)).catch(() => {}), response: x.response, answered: () => answered, close: x.close }
}

async function heldPut(a: QuotaAccount, key: string, body: Uint8Array): Promise<Held> {
  const head = await signedHead(srv.s3Url, { method: 'PUT', bucket: a.bucket, key, creds: a, payloadHash: 'UNSIGNED-PAYLOAD' })
  return hold(head.url, 'PUT', head.headers, body)
}

/** A multipart/form-data REST upload (the file's length is unknown to the server), held before its last bytes. */
function heldForm(a: QuotaAccount, key: string, data: Uint8Array): Held {
  const b = `----race${key}`
  const pre = `--${b}\r\nContent-Disposition: form-data; name="bucket"\r\n\r\n${a.bucket}\r\n--${b}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${key}\r\n` +
    `--${b}\r\nContent-Disposition: form-data; name="file"; filename="${key}"\r\nContent-Type: application/octet-stream\r\n\r\n`
  const post = `\r\n--${b}--\r\n`
  const body = Buffer.concat([Buffer.from(pre), data, Buffer.from(post)])
  return hold(`${srv.httpUrl}/api/v1/files`, 'POST', { 'x-api-key': a.apiKey, 'content-type': `multipart/form-data; boundary=${b}` }, body, post.length + 1)
}

async function settle(held: Held[]) {
  // Every request reaches the server before the release: it is being handled (waiting for its
  // last bytes, its quota reserved) or it has been answered already (refused early).
  await eventually(async () => (await inflightRequests(srv)) + held.filter((h) => h.answered()).length >= held.length, 'every held request at the server')
  await Promise.all(held.map((h) => h.release()))
  const res = await Promise.all(held.map((h) => h.response))
  held.forEach((h) => h.close())
  return res
}

const codeOf = (r: { body: string }) => /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1] ?? (() => { try { return JSON.parse(r.body).error.code } catch { return null } })()

/** Sum of the current objects' sizes, listed over S3 (independent of the usage counters). */
async function listedBytes(a: QuotaAccount): Promise<number> {
  const out = await s3Client(srv.s3Url, a).send(new ListObjectsV2Command({ Bucket: a.bucket }))
  return (out.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0)
}

async function expectNoOverrun(a: QuotaAccount, expected: number) {
  expect(expected).toBeLessThanOrEqual(Q)
  expect(await listedBytes(a)).toBe(expected)
  await expectUsage(srv, a, expected)
  await eventually(() => blobFiles(srv).tmp.length === 0, 'temp files of refused uploads removed')
  finals.set(a.email, expected)
}

/** Final usage per account, checked against `admin usage --json` (recomputed from the rows) at the end. */
const finals = new Map<string, number>()

test('8 S3 PUTs racing for the last 1000 bytes: exactly one wins, the others get 403 QuotaExceeded', async () => {
  const a = await apiAccount(srv, '1MiB')
  const fill = await heldPut(a, 'fill', bytesOf(Q - 1000))
  await fill.release()
  expect((await fill.response).status).toBe(200)
  fill.close()
  const held = await Promise.all(Array.from({ length: 8 }, (_, i) => heldPut(a, `race-${i}`, bytesOf(1000))))
  const res = await settle(held)
  expect(res.filter((r) => r.status === 200).length).toBe(1)
  expect(res.filter((r) => r.status === 403 && codeOf(r) === 'QuotaExceeded').length).toBe(7)
  await expectNoOverrun(a, Q)
})

test('R9: 32 concurrent 100 000-byte PUTs against a 1 MiB quota, last bytes released together: exactly 10 stored', async () => {
  const a = await apiAccount(srv, '1MiB')
  const held = await Promise.all(Array.from({ length: 32 }, (_, i) => heldPut(a, `p-${i}`, bytesOf(100_000))))
  const res = await settle(held)
  const ok = res.filter((r) => r.status === 200).length
  expect(ok).toBe(Math.floor(Q / 100_000))
  expect(res.filter((r) => r.status === 403 && codeOf(r) === 'QuotaExceeded').length).toBe(32 - ok)
  await expectNoOverrun(a, ok * 100_000)
})

test('unknown lengths: 4 form uploads each as large as the remaining quota race; the commit re-check lets exactly one in', async () => {
  const a = await apiAccount(srv, '1MiB')
  const fill = await heldPut(a, 'fill', bytesOf(Q - 50_000))
  await fill.release()
  expect((await fill.response).status).toBe(200)
  fill.close()
  const held = Array.from({ length: 4 }, (_, i) => heldForm(a, `form-${i}`, bytesOf(50_000)))
  const res = await settle(held)
  expect(res.map((r) => r.status).sort()).toEqual([201, 403, 403, 403])
  expect(res.filter((r) => r.status === 403).map(codeOf)).toEqual(['QuotaExceeded', 'QuotaExceeded', 'QuotaExceeded'])
  await expectNoOverrun(a, Q)
})

test('known and unknown lengths mixed: a reserved PUT and form uploads race for the same last bytes; one wins', async () => {
  const a = await apiAccount(srv, '1MiB')
  const fill = await heldPut(a, 'fill', bytesOf(Q - 30_000))
  await fill.release()
  expect((await fill.response).status).toBe(200)
  fill.close()
  const held = [heldForm(a, 'form-a', bytesOf(30_000)), await heldPut(a, 'put', bytesOf(30_000)), heldForm(a, 'form-b', bytesOf(30_000))]
  const res = await settle(held)
  expect(res.filter((r) => r.status === 200 || r.status === 201).length).toBe(1)
  expect(res.filter((r) => r.status === 403).map(codeOf)).toEqual(['QuotaExceeded', 'QuotaExceeded'])
  await expectNoOverrun(a, Q)
  expect((await meUsage(srv, a)).objects).toBe(2)
})

test('Time Machine off: concurrent overwrites of one key each growing it race for the last bytes; exactly one wins', async () => {
  const a = await apiAccount(srv, '1MiB')
  const r = await fetch(`${srv.httpUrl}/api/buckets/${a.bucket}`, { method: 'PATCH', headers: { 'x-api-key': a.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ versioning: false }) })
  expect(r.status).toBe(200)
  for (const [key, n] of [['fill', Q - 1300], ['k', 1000]] as const) {
    const h = await heldPut(a, key, bytesOf(n))
    await h.release()
    expect((await h.response).status).toBe(200)
    h.close()
  }
  // 300 bytes left; each overwrite grows k by 200.
  const held = await Promise.all(Array.from({ length: 6 }, () => heldPut(a, 'k', bytesOf(1200))))
  const res = await settle(held)
  expect(res.filter((x) => x.status === 200).length).toBe(1)
  expect(res.filter((x) => x.status === 403).map(codeOf)).toEqual(Array(5).fill('QuotaExceeded'))
  await expectNoOverrun(a, Q - 100)
})

test('`admin usage --json` recomputes every raced account to the bytes asserted above, with no drift', async () => {
  expect(finals.size).toBe(5)
  const r = await srv.admin('usage', '--json')
  expect(r.code).toBe(0)
  const rows = new Map((JSON.parse(r.stdout).accounts as Array<{ email: string; bytes: number; counters: { bytes: number }; drift: boolean }>).map((x) => [x.email, x]))
  for (const [email, bytes] of finals) {
    const row = rows.get(email)!
    expect({ email, bytes: row.bytes, counter: row.counters.bytes, drift: row.drift }).toEqual({ email, bytes, counter: bytes, drift: false })
  }
})
