/**
 * Version storage and space: every kept version counts toward the quota (usage.bytes, logical),
 * identical content is stored once per account (usage.storedBytes) while still producing a
 * version, purging history frees quota so a user near the limit can write again, and the blobs
 * behind pruned/purged versions are freed by GC after its grace period.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { api, createAccount, keyHeaders, type Account } from '../rest/rest-helpers'
import { createAppContext, type AppContext } from '../../src/app'
import { loadConfig } from '../../src/config/load'
import { queryDb } from './helpers'
import { until } from '../helpers/wait'

const K = 1000
/** Deterministic content of `size` bytes, distinct per seed. */
const content = (size: number, seed: number) => Buffer.alloc(size, `seed-${seed}-`)


describe('over the wire (quota 100 kB)', () => {
  let srv: TestServer
  let user: Account
  let s3: S3Client
  const me = async (a: Account = user) => (await api(srv, 'GET', '/api/me', { headers: keyHeaders(a.apiKey) })).body as { usage: { bytes: number; storedBytes: number; objects: number }; quota: { bytes: number; usedBytes: number; remainingBytes: number } }
  const put = (Key: string, Body: Buffer, c = s3, Bucket = user.bucket) => c.send(new PutObjectCommand({ Bucket, Key, Body }))
  const blobStates = () => Object.fromEntries(queryDb<{ state: string; n: number }>(srv.dataDir, 'SELECT state, count(*) AS n FROM blobs WHERE account_id = ? GROUP BY state', user.id).map((r) => [r.state, r.n]))

  beforeAll(async () => {
    srv = await startInProcess()
    user = await createAccount(srv, { quota: 100 * K })
    s3 = s3Client(srv.s3Url, { accessKeyId: user.accessKey, secretAccessKey: user.secretKey })
  }, 60_000)
  afterAll(async () => {
    await srv?.stop()
  }, 30_000)

  test('kept versions count toward usage.bytes; identical content adds a version but no stored bytes', async () => {
    expect((await me()).usage).toEqual({ bytes: 0, storedBytes: 0, objects: 0 })
    await put('a.bin', content(20 * K, 1))
    expect((await me()).usage).toEqual({ bytes: 20 * K, storedBytes: 20 * K, objects: 1 })
    await put('a.bin', content(20 * K, 2))
    expect((await me()).usage).toEqual({ bytes: 40 * K, storedBytes: 40 * K, objects: 1 })
    // Same bytes as version 1: a new version (3), stored once.
    await put('a.bin', content(20 * K, 1))
    expect((await me()).usage).toEqual({ bytes: 60 * K, storedBytes: 40 * K, objects: 1 })
    const h = await api(srv, 'GET', `/api/versions?bucket=${user.bucket}&key=a.bin`, { headers: keyHeaders(user.apiKey) })
    expect(h.body.versions.map((v: any) => [v.versionNumber, v.size, v.isCurrent])).toEqual([[3, 20 * K, true], [2, 20 * K, false], [1, 20 * K, false]])
    // Another key with the same content: deduplicated across keys of the account.
    await put('copy.bin', content(20 * K, 1))
    const m = await me()
    expect(m.usage).toEqual({ bytes: 80 * K, storedBytes: 40 * K, objects: 2 })
    expect(m.quota).toEqual({ bytes: 100 * K, usedBytes: 80 * K, remainingBytes: 20 * K })
    expect(blobStates()).toEqual({ live: 2 })
    const buckets = await api(srv, 'GET', '/api/buckets', { headers: keyHeaders(user.apiKey) })
    expect(buckets.body.buckets.find((b: any) => b.name === user.bucket).usage).toEqual({ bytes: 80 * K, storedBytes: 40 * K, objects: 2 })
  })

  test('dedup is per account: the same content uploaded by another account is stored (and counted) for it', async () => {
    const other = await createAccount(srv, { quota: 100 * K })
    const s3o = s3Client(srv.s3Url, { accessKeyId: other.accessKey, secretAccessKey: other.secretKey })
    await put('same.bin', content(20 * K, 1), s3o, other.bucket)
    expect((await me(other)).usage).toEqual({ bytes: 20 * K, storedBytes: 20 * K, objects: 1 })
    expect((await me()).usage).toEqual({ bytes: 80 * K, storedBytes: 40 * K, objects: 2 })
  })

  test('near the quota: a write that does not fit is refused (403 QuotaExceeded); purging history frees it', async () => {
    expect(await sdkError(put('c.bin', content(30 * K, 3)))).toEqual({ status: 403, name: 'QuotaExceeded' })
    const form = new FormData()
    form.set('bucket', user.bucket)
    form.set('key', 'c.bin')
    form.set('file', new Blob([content(30 * K, 3)]), 'c.bin')
    const viaApi = await api(srv, 'POST', '/api/versions', { headers: keyHeaders(user.apiKey), body: form })
    expect({ status: viaApi.status, code: viaApi.body.error.code }).toEqual({ status: 403, code: 'QuotaExceeded' })
    expect((await me()).usage).toEqual({ bytes: 80 * K, storedBytes: 40 * K, objects: 2 })

    const purge = await api(srv, 'DELETE', `/api/versions?bucket=${user.bucket}&key=a.bin`, { headers: keyHeaders(user.apiKey) })
    expect(purge.status).toBe(200)
    expect(purge.body).toEqual({ success: true, removedVersions: 2, freedBytes: 40 * K })
    // Blob 2 is no longer referenced (stored bytes drop); blob 1 still backs a.bin v3 and copy.bin.
    expect((await me()).usage).toEqual({ bytes: 40 * K, storedBytes: 20 * K, objects: 2 })
    expect(blobStates()).toEqual({ live: 1, dead: 1 })

    await put('c.bin', content(30 * K, 3))
    expect((await me()).usage).toEqual({ bytes: 70 * K, storedBytes: 50 * K, objects: 3 })
  })

  test('deleting one version frees its bytes; deleting the key keeps the history counted until it is purged', async () => {
    await put('c.bin', content(10 * K, 4))
    expect((await me()).usage).toEqual({ bytes: 80 * K, storedBytes: 60 * K, objects: 3 })
    const v = (await api(srv, 'GET', `/api/versions?bucket=${user.bucket}&key=c.bin`, { headers: keyHeaders(user.apiKey) })).body.versions
    const del = await api(srv, 'DELETE', `/api/versions/${v[1].versionId}`, { headers: keyHeaders(user.apiKey) })
    expect(del.body).toEqual({ success: true, freedBytes: 30 * K })
    expect((await me()).usage).toEqual({ bytes: 50 * K, storedBytes: 30 * K, objects: 3 })
    // S3 delete in an unversioned bucket: the object leaves the listing, Time Machine keeps (and counts) it.
    const s3del = await s3.send(new DeleteObjectCommand({ Bucket: user.bucket, Key: 'c.bin' }))
    expect(s3del.$metadata.httpStatusCode).toBe(204)
    expect((await me()).usage).toEqual({ bytes: 50 * K, storedBytes: 30 * K, objects: 2 })
    const all = await api(srv, 'DELETE', `/api/versions?bucket=${user.bucket}`, { headers: keyHeaders(user.apiKey) })
    expect(all.body).toEqual({ success: true, removedVersions: 1, freedBytes: 10 * K })
    expect((await me()).usage).toEqual({ bytes: 40 * K, storedBytes: 20 * K, objects: 2 })
  })
})

describe('GC of freed blobs (in process, fake clock, default 600 s grace)', () => {
  let ctx: AppContext
  let dir: string
  let accountId: string
  const clock = { now: Date.UTC(2026, 2, 1) }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-gc-'))
    ctx = createAppContext(loadConfig({ '--data': dir }, {}), { now: () => clock.now })
    accountId = (await ctx.services.accounts.create({ email: 'gc@example.com', password: 'correct-horse-battery' })).account.id
    ctx.services.buckets.create(accountId, 'gc-bucket')
  })
  afterAll(() => {
    ctx?.db.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const bucket = () => ctx.repos.buckets.byName('gc-bucket')!
  async function put(key: string, body: Buffer) {
    return ctx.services.objects.put({ bucket: bucket(), key, source: (async function* () { yield new Uint8Array(body) })(), size: body.length, meta: { contentType: 'application/octet-stream', headers: {}, userMeta: {} } })
  }
  const blobFiles = async () => {
    const ids: string[] = []
    for await (const id of ctx.blobs.list()) ids.push(id)
    return ids.sort()
  }
  const rows = () => ctx.db.sqlite.query('SELECT id, state, refcount FROM blobs ORDER BY id').all() as Array<{ id: string; state: string; refcount: number }>

  test('identical content: one blob row with two references; the discarded copy leaves no file', async () => {
    await put('x', content(5 * K, 1))
    await put('x', content(5 * K, 1))
    expect(rows().map((r) => [r.state, r.refcount])).toEqual([['live', 2]])
    // The duplicate's freshly written file is deleted after commit (asynchronously).
    await until(async () => (await blobFiles()).length === 1, 'the duplicate blob file to be deleted')
    expect(await blobFiles()).toEqual([rows()[0].id])
    expect(ctx.repos.accounts.usage(accountId)).toMatchObject({ logicalBytes: 10 * K, storedBytes: 5 * K })
  })

  test('retention prunes → dead blob rows → files removed only after the grace period', async () => {
    for (let i = 2; i <= 12; i++) await put('y', content(K, 100 + i)) // 11 distinct versions: one pruned
    const dead = rows().filter((r) => r.state === 'dead')
    expect(dead.length).toBe(1)
    const path = (ctx.blobs as unknown as { pathOf(id: string): string }).pathOf(dead[0].id)
    expect(existsSync(path)).toBe(true)
    clock.now += 599_000
    expect(await ctx.services.gc.collectDeadBlobs()).toBe(0)
    expect(existsSync(path)).toBe(true)
    clock.now += 1_001
    expect(await ctx.services.gc.collectDeadBlobs()).toBe(1)
    expect(existsSync(path)).toBe(false)
    expect(rows().some((r) => r.id === dead[0].id)).toBe(false)
    // Every remaining row has its file and every file its row.
    expect(await blobFiles()).toEqual(rows().map((r) => r.id))
  })

  test('purge of a key whose history shares a blob with the current version: only unshared blobs die', async () => {
    await put('z', content(2 * K, 7))
    await put('z', content(2 * K, 8))
    await put('z', content(2 * K, 7)) // same bytes as version 1
    const before = rows().filter((r) => r.state === 'live').length
    const b = bucket()
    const r = ctx.services.versions.purge(b, 'z')
    expect(r).toEqual({ success: true, removedVersions: 2, freedBytes: 4 * K })
    const after = rows()
    expect(after.filter((x) => x.state === 'live').length).toBe(before - 1)
    clock.now += 601_000
    expect(await ctx.services.gc.collectDeadBlobs()).toBe(1)
    expect(await blobFiles()).toEqual(rows().map((x) => x.id))
    const u = ctx.repos.accounts.usage(accountId)!
    const kept = ctx.db.sqlite.query('SELECT coalesce(sum(size), 0) AS n FROM object_versions WHERE is_delete_marker = 0').get() as { n: number }
    const stored = ctx.db.sqlite.query("SELECT coalesce(sum(size), 0) AS n FROM blobs WHERE state = 'live'").get() as { n: number }
    expect({ logical: u.logicalBytes, stored: u.storedBytes }).toEqual({ logical: kept.n, stored: stored.n })
  })

  test('with CLOUDSTORAGE_GC_GRACE_SECONDS=0 a dead blob is collected at once', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'cs-gc0-'))
    const ctx2 = createAppContext(loadConfig({ '--data': dir2 }, { CLOUDSTORAGE_GC_GRACE_SECONDS: '0' }), { now: () => clock.now })
    try {
      const acct = (await ctx2.services.accounts.create({ email: 'gc0@example.com', password: 'correct-horse-battery' })).account.id
      const b = ctx2.services.buckets.create(acct, 'gc0-bucket')
      const p = (body: Buffer) => ctx2.services.objects.put({ bucket: b, key: 'k', source: (async function* () { yield new Uint8Array(body) })(), size: body.length, meta: { contentType: 'application/octet-stream', headers: {}, userMeta: {} } })
      await p(content(K, 1))
      await p(content(K, 2))
      ctx2.services.versions.purge(ctx2.repos.buckets.byId(b.id)!, 'k')
      expect(await ctx2.services.gc.collectDeadBlobs()).toBe(1)
      expect((ctx2.db.sqlite.query('SELECT count(*) AS n FROM blobs').get() as { n: number }).n).toBe(1)
    } finally {
      ctx2.db.close()
      rmSync(dir2, { recursive: true, force: true })
    }
  })
})
