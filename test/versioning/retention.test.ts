/**
 * Time Machine retention, in process with a fake clock: at most maxVersions per file (current
 * included, default 10), history older than maxAgeDays (default 30, counted from when a version
 * stopped being current) pruned on write and by the scheduled sweep, the current version never
 * removed, per-bucket and global overrides, and never a refused write because of the cap.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAppContext, type AppContext } from '../../src/app'
import { loadConfig } from '../../src/config/load'
import type { BucketRow } from '../../src/db/repos/buckets'
import { openContent } from '../../src/services/objects/read'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1, 12)

interface World {
  ctx: AppContext
  dir: string
  clock: { now: number }
  accountId: string
  bucket(name: string): BucketRow
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'cs-retention-'))
  const clock = { now: T0 }
  const ctx = createAppContext(loadConfig({ '--data': dir }, env), { now: () => clock.now })
  const { account } = await ctx.services.accounts.create({ email: `ret-${Math.random().toString(36).slice(2)}@example.com`, password: 'correct-horse-battery' })
  return {
    ctx, dir, clock, accountId: account.id,
    bucket(name: string) {
      return ctx.repos.buckets.byName(name) ?? ctx.services.buckets.create(account.id, name)
    },
  }
}
function close(w: World | undefined) {
  if (!w) return
  w.ctx.db.close()
  rmSync(w.dir, { recursive: true, force: true })
}

async function put(w: World, bucket: string, key: string, body: string) {
  const bytes = new TextEncoder().encode(body)
  return w.ctx.services.objects.put({
    bucket: w.bucket(bucket), key, source: (async function* () { yield bytes })(), size: bytes.length,
    meta: { contentType: 'text/plain', headers: {}, userMeta: {} },
  })
}
const history = (w: World, bucket: string, key: string) => w.ctx.services.versions.history(w.bucket(bucket), key)
const numbers = (w: World, bucket: string, key: string) => history(w, bucket, key).map((v) => v.versionNumber)
const usage = (w: World) => w.ctx.repos.accounts.usage(w.accountId)!
/** Sum of the sizes of every kept content version of the account (what logical usage must equal). */
const keptBytes = (w: World) => (w.ctx.db.sqlite.query(`SELECT coalesce(sum(v.size), 0) AS n FROM object_versions v JOIN buckets b ON b.id = v.bucket_id WHERE b.account_id = ? AND v.is_delete_marker = 0`).get(w.accountId) as { n: number }).n

describe('defaults: 10 versions, 30 days', () => {
  let w: World
  beforeAll(async () => { w = await world() })
  afterAll(() => close(w))

  test('overwrite ×12 → exactly 10 versions remain, numbered 3..12, newest current', async () => {
    for (let i = 1; i <= 12; i++) {
      w.clock.now += 1000
      await put(w, 'defaults', 'doc.txt', `content number ${i}`)
    }
    const h = history(w, 'defaults', 'doc.txt')
    expect(h.map((v) => v.versionNumber)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3])
    expect(h.map((v) => v.isCurrent)).toEqual([true, ...Array(9).fill(false)])
    // Usage tracks exactly what is kept; pruned blobs are dead (GC frees them).
    expect(usage(w).logicalBytes).toBe(keptBytes(w))
    const dead = w.ctx.db.sqlite.query("SELECT count(*) AS n FROM blobs WHERE account_id = ? AND state = 'dead'").get(w.accountId) as { n: number }
    expect(dead.n).toBe(2)
  })

  test('a history version noncurrent for 30+ days is pruned by the sweep; a younger one stays (age counts from noncurrent_since)', async () => {
    const start = w.clock.now = T0 + 100 * DAY
    await put(w, 'defaults', 'age.txt', 'v1: created at day 0')
    w.clock.now = start + 5 * DAY
    await put(w, 'defaults', 'age.txt', 'v2: v1 noncurrent since day 5')
    w.clock.now = start + 20 * DAY
    await put(w, 'defaults', 'age.txt', 'v3: v2 noncurrent since day 20')
    // Day 33: v1 was created 33 days ago but has been noncurrent only 28 days: kept.
    w.clock.now = start + 33 * DAY
    w.ctx.services.gc.pruneExpiredHistory() // (doc.txt's history from the previous test expires here)
    expect(numbers(w, 'defaults', 'age.txt')).toEqual([3, 2, 1])
    expect(history(w, 'defaults', 'doc.txt').map((v) => v.versionNumber)).toEqual([12])
    // Day 35 + 1 ms: v1 has been noncurrent for just over 30 days.
    w.clock.now = start + 35 * DAY + 1
    expect(w.ctx.services.gc.pruneExpiredHistory()).toBe(1)
    expect(numbers(w, 'defaults', 'age.txt')).toEqual([3, 2])
    // Exactly 30 days is not "older than 30 days".
    w.clock.now = start + 50 * DAY
    expect(numbers(w, 'defaults', 'age.txt')).toEqual([3, 2])
    w.clock.now = start + 50 * DAY + 1
    w.ctx.services.gc.pruneExpiredHistory()
    expect(numbers(w, 'defaults', 'age.txt')).toEqual([3])
    expect(usage(w).logicalBytes).toBe(keptBytes(w))
  })

  test('the current version is never removed, however old', async () => {
    w.clock.now = T0 + 200 * DAY
    await put(w, 'defaults', 'old.txt', 'lonely')
    w.clock.now = T0 + 2000 * DAY
    w.ctx.services.gc.pruneExpiredHistory()
    expect(history(w, 'defaults', 'old.txt').map((v) => [v.versionNumber, v.isCurrent])).toEqual([[1, true]])
    // Also when the write itself prunes: the new current is day 2000, the old one expired on the spot.
    await put(w, 'defaults', 'old.txt', 'replaced')
    expect(history(w, 'defaults', 'old.txt').map((v) => [v.versionNumber, v.isCurrent])).toEqual([[2, true], [1, false]])
    w.clock.now += 31 * DAY
    await put(w, 'defaults', 'old.txt', 'replaced again')
    // v1 went noncurrent 31 days ago: pruned on write; v2 just became noncurrent: kept.
    expect(history(w, 'defaults', 'old.txt').map((v) => [v.versionNumber, v.isCurrent])).toEqual([[3, true], [2, false]])
  })

  test('a deleted file keeps its history until it ages out; then the key is gone for good', async () => {
    w.clock.now = T0 + 3000 * DAY
    await put(w, 'defaults', 'del.txt', 'one')
    await put(w, 'defaults', 'del.txt', 'two')
    w.ctx.services.objects.delete(w.bucket('defaults').id, 'del.txt', null)
    expect(history(w, 'defaults', 'del.txt').map((v) => [v.versionNumber, v.isCurrent])).toEqual([[2, false], [1, false]])
    w.clock.now += 30 * DAY + 1
    w.ctx.services.gc.pruneExpiredHistory()
    expect(() => history(w, 'defaults', 'del.txt')).toThrow()
    expect(w.ctx.repos.objects.byKey(w.bucket('defaults').id, 'del.txt')).toBeNull()
  })

  test('never refuses a write because of the cap: 50 rewrites of one key all succeed, 10 kept', async () => {
    for (let i = 1; i <= 50; i++) {
      const r = await put(w, 'defaults', 'lock.json', JSON.stringify({ i }))
      expect(r.version.versionNumber).toBe(i)
    }
    expect(numbers(w, 'defaults', 'lock.json')).toEqual([50, 49, 48, 47, 46, 45, 44, 43, 42, 41])
    expect(usage(w).logicalBytes).toBe(keptBytes(w))
  })

  test('restoring the oldest kept version at the cap: new version 11 has its bytes, the source is pruned, nothing is lost', async () => {
    for (let i = 1; i <= 10; i++) await put(w, 'defaults', 'cap.txt', `cap ${i}`)
    const oldest = history(w, 'defaults', 'cap.txt').at(-1)!
    expect(oldest.versionNumber).toBe(1)
    const r = w.ctx.services.versions.restore(w.accountId, oldest.versionId)
    expect({ success: r.success, restoredVersion: r.restoredVersion, newVersionNumber: r.newVersionNumber }).toEqual({ success: true, restoredVersion: oldest.versionId, newVersionNumber: 11 })
    expect(numbers(w, 'defaults', 'cap.txt')).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2])
    const cur = w.ctx.repos.objects.version(r.versionId)!
    const body = await new Response(await openContent(w.ctx, cur)).text()
    expect(body).toBe('cap 1')
    expect(usage(w).logicalBytes).toBe(keptBytes(w))
  })

  test('S3-versioned buckets: one history — Time Machine retention prunes S3 noncurrent versions too; off, plain S3 keeps them', async () => {
    for (let i = 1; i <= 3; i++) await put(w, 'sv3-bucket', 'k', `hidden ${i}`)
    w.ctx.services.buckets.setVersioning(w.bucket('sv3-bucket').id, 'Enabled')
    const key = () => w.ctx.repos.objects.byKey(w.bucket('sv3-bucket').id, 'k')!.id
    // Enabling versioning exposed the history: nothing is hidden any more.
    expect(w.ctx.repos.objects.versionsOf(key()).filter((v) => v.s3Hidden).length).toBe(0)
    for (let i = 1; i <= 12; i++) await put(w, 'sv3-bucket', 'k', `s3 version ${i}`)
    expect(numbers(w, 'sv3-bucket', 'k')).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6])
    w.clock.now += 31 * DAY
    w.ctx.services.gc.pruneExpiredHistory()
    expect(numbers(w, 'sv3-bucket', 'k')).toEqual([15])

    const plain = w.bucket('sv3-plain')
    w.ctx.services.buckets.updateSettings(plain.id, { timeMachine: false })
    w.ctx.services.buckets.setVersioning(plain.id, 'Enabled')
    for (let i = 1; i <= 12; i++) await put(w, 'sv3-plain', 'k', `plain ${i}`)
    w.clock.now += 31 * DAY
    w.ctx.services.gc.pruneExpiredHistory()
    expect(numbers(w, 'sv3-plain', 'k')).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
  })
})

describe('overrides', () => {
  let w: World
  beforeAll(async () => { w = await world() })
  afterAll(() => close(w))

  test('per bucket: maxVersions 3 / maxAgeDays 7; other buckets keep the defaults', async () => {
    const b = w.bucket('tight')
    w.ctx.services.buckets.updateSettings(b.id, { retentionMaxVersions: 3, retentionDays: 7 })
    for (let i = 1; i <= 6; i++) await put(w, 'tight', 'f', `tight ${i}`)
    for (let i = 1; i <= 6; i++) await put(w, 'loose', 'f', `loose ${i}`)
    expect(numbers(w, 'tight', 'f')).toEqual([6, 5, 4])
    expect(numbers(w, 'loose', 'f')).toEqual([6, 5, 4, 3, 2, 1])
    w.clock.now += 7 * DAY + 1
    w.ctx.services.gc.pruneExpiredHistory()
    expect(numbers(w, 'tight', 'f')).toEqual([6])
    expect(numbers(w, 'loose', 'f')).toEqual([6, 5, 4, 3, 2, 1])
  })

  test('maxVersions 1 keeps only the current version; maxAgeDays 0 means no age limit', async () => {
    const b = w.bucket('only-current')
    w.ctx.services.buckets.updateSettings(b.id, { retentionMaxVersions: 1, retentionDays: 0 })
    for (let i = 1; i <= 4; i++) await put(w, 'only-current', 'f', `x${i}`)
    expect(history(w, 'only-current', 'f').map((v) => [v.versionNumber, v.isCurrent])).toEqual([[4, true]])
    const n = w.bucket('no-age')
    w.ctx.services.buckets.updateSettings(n.id, { retentionDays: 0 })
    await put(w, 'no-age', 'f', 'a')
    await put(w, 'no-age', 'f', 'b')
    w.clock.now += 5000 * DAY
    w.ctx.services.gc.pruneExpiredHistory()
    await put(w, 'no-age', 'f', 'c')
    expect(numbers(w, 'no-age', 'f')).toEqual([3, 2, 1])
  })

  test('back to the defaults with null', async () => {
    const b = w.bucket('tight')
    w.ctx.services.buckets.updateSettings(b.id, { retentionMaxVersions: null, retentionDays: null })
    for (let i = 7; i <= 20; i++) await put(w, 'tight', 'f', `tight ${i}`)
    expect(numbers(w, 'tight', 'f')).toEqual([20, 19, 18, 17, 16, 15, 14, 13, 12, 11])
  })

  test('Time Machine off: no history at all, whatever the retention', async () => {
    const b = w.bucket('tm-off')
    w.ctx.services.buckets.updateSettings(b.id, { timeMachine: false })
    for (let i = 1; i <= 3; i++) await put(w, 'tm-off', 'f', `off ${i}`)
    expect(numbers(w, 'tm-off', 'f')).toEqual([3])
    expect(usage(w).logicalBytes).toBe(keptBytes(w))
  })
})

describe('global configuration', () => {
  let w: World
  beforeAll(async () => { w = await world({ CLOUDSTORAGE_RETENTION_MAX_VERSIONS: '4', CLOUDSTORAGE_RETENTION_DAYS: '2' }) })
  afterAll(() => close(w))

  test('CLOUDSTORAGE_RETENTION_MAX_VERSIONS=4, CLOUDSTORAGE_RETENTION_DAYS=2', async () => {
    expect(w.ctx.config.retention).toEqual({ maxVersions: 4, maxAgeDays: 2 })
    for (let i = 1; i <= 7; i++) await put(w, 'glob', 'f', `g${i}`)
    expect(numbers(w, 'glob', 'f')).toEqual([7, 6, 5, 4])
    w.clock.now += 2 * DAY + 1
    expect(w.ctx.services.gc.pruneExpiredHistory()).toBe(3)
    expect(numbers(w, 'glob', 'f')).toEqual([7])
    // A bucket override beats the global value.
    w.ctx.services.buckets.updateSettings(w.bucket('glob2').id, { retentionMaxVersions: 6 })
    for (let i = 1; i <= 8; i++) await put(w, 'glob2', 'f', `h${i}`)
    expect(numbers(w, 'glob2', 'f')).toEqual([8, 7, 6, 5, 4, 3])
  })
})
