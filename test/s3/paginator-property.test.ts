import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Db } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { createRepos, type Repos } from '../../src/db/repos'
import type { VersionRow } from '../../src/db/repos/objects'
import { newUlid, newUploadId } from '../../src/domain/ids'
import { utf8Compare } from '../../src/domain/utf8'
import { paginate } from '../../src/domain/paginate'
import { listObjects, listObjectVersions, versionCursor } from '../../src/services/objects/list'
import { listMultipartUploads } from '../../src/services/multipart/list-uploads'
import { s3VersionId } from '../../src/services/objects/read'

/*
 * The paginator behind every listing, property-tested in-process against a real SQLite database
 * opened with the app's own openDatabase/migrate/repos: for a random key set and EVERY page size
 * from 1 to 1000, the concatenated pages equal one unpaged listing, and the unpaged listing equals
 * a naive model (sort by UTF-8 bytes, roll up at the delimiter). Each listing follows its markers
 * as a client does: V1 NextMarker (delimiter) or the last Key, V2 the last item (the token),
 * versions NextKeyMarker + NextVersionIdMarker resolved by the server's versionCursor, uploads
 * NextKeyMarker + NextUploadIdMarker. The PRNG is seeded: a failure names its seed and page size.
 */

const SEED = Number(process.env.PAGINATOR_SEED ?? 0x5eed1)

/** mulberry32: a small seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/*
 * Key material: '/', ASCII, 2-, 3- and 4-byte UTF-8 (U+FF61 sorts before U+1F600 in UTF-8 but
 * after it in UTF-16), U+10FFFF (the paginator's own "past every key under a prefix" bound). Keys
 * are paths under a dozen top-level names, so a delimited listing holds a few hundred entries
 * (each CommonPrefix costs the paginator an index jump) while an undelimited one holds > 1,000.
 */
const CHARS = ['a', 'b', 'c', 'é', '中', '\uFF61', '😀', '\u{10FFFF}', ' ', '~']
const TOP = ['a', 'ab', 'b', 'é', '中', '\uFF61', '😀', '\u{10FFFF}', '', ' ', 'a\u{10FFFF}', 'c~']
/** Prefixes of each other, the delimiter at the start and the end, U+10FFFF right after a prefix. */
const SHAPES = ['a', 'a/', 'a/b', 'a/b/', 'a/b/c', '/', '//', '/a', 'a//', 'ab', 'aab', 'a/ab', 'a/abab/x', 'a\u{10FFFF}', 'a/\u{10FFFF}', 'a/\u{10FFFF}x', '😀/', '\uFF61/']

function randomKeys(rand: () => number, n: number): string[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const segment = (min: number) => {
    let s = ''
    for (let i = min + Math.floor(rand() * 4); i > 0; i--) s += pick(CHARS)
    return s
  }
  const keys = new Set<string>(SHAPES)
  while (keys.size < n) {
    let k: string
    if (rand() < 0.08) k = segment(1) // a top-level key, no delimiter
    else {
      k = pick(TOP)
      for (let i = Math.floor(rand() * 4); i >= 0; i--) k += '/' + segment(0)
      if (rand() < 0.1) k += '/'
    }
    if (!k) continue
    keys.add(k)
    // Now and then also a prefix of it: keys that are prefixes of each other.
    const cps = [...k]
    if (rand() < 0.1 && cps.length > 1) keys.add(cps.slice(0, 1 + Math.floor(rand() * (cps.length - 1))).join(''))
  }
  return [...keys].slice(0, n)
}

type Item = string // "K:<key>" / "V:<key>@<versionId>" / "U:<key>@<id>" / "P:<prefix>"

/** The naive model: rows in order, rolled up at the first delimiter after the prefix. */
function model(rows: Array<{ key: string; item: Item }>, prefix: string, delimiter: string): Item[] {
  const out: Item[] = []
  for (const r of rows) {
    if (!r.key.startsWith(prefix)) continue
    const i = delimiter ? r.key.indexOf(delimiter, prefix.length) : -1
    if (i >= 0) {
      const cp = 'P:' + r.key.slice(0, i + delimiter.length)
      if (out[out.length - 1] !== cp) out.push(cp)
    } else out.push(r.item)
  }
  return out
}

let dir: string
let db: Db
let repos: Repos
const d = () => ({ repos })
/** One bucket per listing, each sized so its undelimited listing has > 1,000 entries. */
const OBJ = 'bkt-objects'
const VER = 'bkt-versions'
const UPL = 'bkt-uploads'
let objectRows: Array<{ key: string; item: Item }> = []
/** Versions in listing order (key, newest first), S3-visible only. */
let versionRows: Array<{ key: string; item: Item }> = []
let uploadRows: Array<{ key: string; item: Item }> = []

function version(objectId: string, bucketId: string, key: string, over: Partial<VersionRow> = {}): VersionRow {
  const v: VersionRow = {
    id: newUlid(), objectId, bucketId, key, versionNumber: repos.objects.takeVersionNumber(objectId), s3Null: false, s3Hidden: false, isDeleteMarker: false,
    blobId: null, size: 1, etag: 'e', partsCount: 0, contentType: 'x/y', headersJson: '{}', userMetaJson: '{}', checksumJson: null, sha256: null,
    createdAt: Date.now(), noncurrentSince: null, ...over,
  }
  repos.objects.insertVersion(v)
  return v
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cs-paginator-'))
  db = openDatabase(join(dir, 'test.db'))
  migrate(db.sqlite)
  repos = createRepos(db)
  const now = Date.now()
  repos.accounts.insert({ id: 'acct-1', email: 'p@test.local', passwordHash: 'x', isAdmin: false, plan: null, quotaOverride: null, status: 'active', passwordChangedAt: now, createdAt: now })
  for (const id of [OBJ, VER, UPL]) {
    repos.buckets.insert({
      id, name: id, accountId: 'acct-1', region: 'eu-central-1', isDefault: false, s3Versioning: 'Enabled', timeMachine: false, publicRead: false,
      corsJson: null, retentionMaxVersions: null, retentionDays: null, usageBytes: 0, usageObjects: 0, createdAt: now,
    })
  }
  const rand = prng(SEED)
  const keys = randomKeys(rand, 1100)
  db.tx(() => {
    // Live objects: every key, but one in twenty ends in a delete marker (not listed).
    for (const key of keys) {
      const obj = repos.objects.insertObject(newUlid(), OBJ, key, now)
      const first = version(obj.id, OBJ, key)
      repos.objects.setHead(obj.id, rand() < 0.05 ? version(obj.id, OBJ, key, { isDeleteMarker: true }) : first)
    }
    // Versions: 580 keys with 1–3 versions each, some ending in a delete marker, some with a
    // null version, a few Time Machine-only versions S3 must not list.
    for (const key of keys.slice(0, 580)) {
      const obj = repos.objects.insertObject(newUlid(), VER, key, now)
      const n = 1 + Math.floor(rand() * 3)
      const nullAt = rand() < 0.3 ? Math.floor(rand() * n) : -1
      let head: VersionRow | null = null
      for (let i = 0; i < n; i++) {
        const hidden = rand() < 0.05
        const v = version(obj.id, VER, key, { s3Null: i === nullAt, s3Hidden: hidden, isDeleteMarker: i === n - 1 && rand() < 0.2 })
        if (!hidden) head = v
      }
      repos.objects.setHead(obj.id, head)
    }
    // Uploads in progress: 540 keys with 1–3 uploads each.
    for (const key of keys.slice(0, 540)) {
      for (let i = Math.floor(rand() * 3); i >= 0; i--) {
        repos.multipart.insert({ id: newUploadId(now), bucketId: UPL, key, accountId: 'acct-1', contentType: '', headersJson: '{}', userMetaJson: '{}', checksumAlgorithm: null, checksumType: null, initiatedAt: now, updatedAt: now })
      }
    }
  })
  // The expected orders, built without the repos' ordering: UTF-8 bytes, newest first.
  const sorted = [...keys].sort(utf8Compare)
  for (const key of sorted) {
    if (repos.objects.byKey(OBJ, key)!.isLive) objectRows.push({ key, item: `K:${key}` })
    const obj = repos.objects.byKey(VER, key)
    if (!obj) continue
    const vs = repos.objects.versionsOf(obj.id).filter((v) => !v.s3Hidden).sort((a, b) => b.versionNumber - a.versionNumber)
    for (const v of vs) versionRows.push({ key, item: `V:${key}@${s3VersionId(v)}` })
  }
  const uploads = db.sqlite.query('SELECT key, id FROM multipart_uploads').all() as Array<{ key: string; id: string }>
  uploads.sort((a, b) => utf8Compare(a.key, b.key) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  uploadRows = uploads.map((u) => ({ key: u.key, item: `U:${u.key}@${u.id}` }))
})

afterAll(() => {
  db?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** Every listing, paged by a client loop; a page bound turns an endless listing into a failure. */
type Lister = (prefix: string, delimiter: string, pageSize: number) => Item[]

function pages<T>(first: T | null, step: (marker: T | null) => { items: Item[]; truncated: boolean; next: T | null }, pageSize: number, bound: number): Item[] {
  const out: Item[] = []
  let marker = first
  for (let n = 0; ; n++) {
    if (n > bound) throw new Error(`listing did not end after ${bound} pages (page size ${pageSize})`)
    const p = step(marker)
    if (p.items.length > pageSize) throw new Error(`page of ${p.items.length} items for page size ${pageSize}`)
    out.push(...p.items)
    if (!p.truncated) return out
    if (p.items.length === 0) throw new Error(`truncated empty page (page size ${pageSize})`)
    marker = p.next
  }
}

const v1: Lister = (prefix, delimiter, pageSize) => pages<string>('', (marker) => {
  const r = listObjects(d(), OBJ, { prefix, delimiter, after: marker ?? '', maxKeys: pageSize })
  const items = merge(r.contents.map((c) => ({ key: c.key, item: `K:${c.key}` })), r.commonPrefixes)
  // NextMarker (only sent with a delimiter), else the last Key: what clients resume from.
  const next = delimiter ? r.last : r.contents[r.contents.length - 1]?.key ?? null
  return { items, truncated: r.isTruncated, next }
}, pageSize, 5000)

const v2: Lister = (prefix, delimiter, pageSize) => pages<string>(null, (token) => {
  const r = listObjects(d(), OBJ, { prefix, delimiter, after: token ?? '', maxKeys: pageSize })
  const items = merge(r.contents.map((c) => ({ key: c.key, item: `K:${c.key}` })), r.commonPrefixes)
  return { items, truncated: r.isTruncated, next: r.last }
}, pageSize, 5000)

const versions: Lister = (prefix, delimiter, pageSize) => pages<{ key: string; versionId: string | null }>(null, (m) => {
  const after = versionCursor(d(), VER, m?.key ?? '', m?.versionId ?? '')
  const r = listObjectVersions(d(), VER, { prefix, delimiter, after, maxKeys: pageSize })
  const items = merge(r.versions.map((v) => ({ key: v.key, item: `V:${v.key}@${s3VersionId(v)}` })), r.commonPrefixes)
  return { items, truncated: r.isTruncated, next: r.next }
}, pageSize, 5000)

const uploads: Lister = (prefix, delimiter, pageSize) => pages<{ key: string; uploadId: string | null }>(null, (m) => {
  const r = listMultipartUploads(d(), UPL, { prefix, delimiter, keyMarker: m?.key ?? '', uploadIdMarker: m?.uploadId ?? '', maxUploads: pageSize })
  const items = merge(r.uploads.map((u) => ({ key: u.key, item: `U:${u.key}@${u.id}` })), r.commonPrefixes)
  return { items, truncated: r.isTruncated, next: r.next }
}, pageSize, 5000)

/** UTF-8 byte order of two strings without encoding them: code point order, fixed up from UTF-16. */
function cmp(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order.
    x += x >= 0xd800 && x <= 0xdfff ? 0x2000 : x >= 0xe000 ? -0x800 : 0
    y += y >= 0xd800 && y <= 0xdfff ? 0x2000 : y >= 0xe000 ? -0x800 : 0
    return x - y
  }
  return a.length - b.length
}

/**
 * A page's rows and CommonPrefixes merged back into listing order (the XML lists them apart),
 * by key bytes; both lists are in order already.
 */
function merge(rows: Array<{ key: string; item: Item }>, prefixes: string[]): Item[] {
  if (prefixes.length === 0) return rows.map((r) => r.item)
  const out: Item[] = []
  let i = 0
  for (const p of prefixes) {
    while (i < rows.length && cmp(rows[i].key, p) < 0) out.push(rows[i++].item)
    out.push('P:' + p)
  }
  while (i < rows.length) out.push(rows[i++].item)
  return out
}

const LISTINGS: Array<[string, Lister, () => Array<{ key: string; item: Item }>]> = [
  ['ListObjects V1', v1, () => objectRows],
  ['ListObjectsV2', v2, () => objectRows],
  ['ListObjectVersions', versions, () => versionRows],
  ['ListMultipartUploads', uploads, () => uploadRows],
]

const QUERIES: Array<{ prefix: string; delimiter: string }> = [
  { prefix: '', delimiter: '' },
  { prefix: '', delimiter: '/' },
  { prefix: 'a', delimiter: '' },
  { prefix: 'a', delimiter: '/' },
  { prefix: 'a/', delimiter: '/' },
  { prefix: 'a/', delimiter: 'ab' },
  { prefix: '\u{10FFFF}', delimiter: '/' },
]

describe(`seed ${SEED}`, () => {
  test('the data sets are big enough to page through', () => {
    expect(objectRows.length).toBeGreaterThan(1000)
    expect(versionRows.length).toBeGreaterThan(1000)
    expect(uploadRows.length).toBeGreaterThan(1000)
    expect(objectRows.some((r) => r.key.includes('\u{10FFFF}'))).toBe(true)
  })

  for (const [name, list, rows] of LISTINGS) {
    for (const q of QUERIES) {
      test(`${name} prefix=${JSON.stringify(q.prefix)} delimiter=${JSON.stringify(q.delimiter)}: every page size 1..1000 concatenates to the unpaged listing`, () => {
        const expected = model(rows(), q.prefix, q.delimiter)
        const unpaged = list(q.prefix, q.delimiter, Number.MAX_SAFE_INTEGER)
        expect(unpaged).toEqual(expected)
        // Page sizes past the listing's length all give one page: checked once, at 1000.
        const last = Math.min(1000, expected.length + 1)
        for (let size = 1; size <= last; size++) {
          const got = list(q.prefix, q.delimiter, size)
          if (got.length !== expected.length || got.some((x, i) => x !== expected[i])) {
            expect({ seed: SEED, size, got }).toEqual({ seed: SEED, size, got: expected })
          }
        }
        if (last < 1000) expect(list(q.prefix, q.delimiter, 1000)).toEqual(expected)
      })
    }
  }

  test('upload ids are 48 hex digits and strictly increase: within one millisecond and when the clock steps back', () => {
    const t = Date.now() + 10_000
    const ids = [newUploadId(t), newUploadId(t), newUploadId(t), newUploadId(t - 5_000), newUploadId(t + 1)]
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{48}$/)
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true)
    expect(ids[4].slice(0, 12)).toBe((t + 1).toString(16).padStart(12, '0'))
  })

  test('max-keys 0 is an empty page that is not truncated, for every listing', () => {
    const p = paginate({ fetch: () => [{ key: 'x' }], keyOf: (r: { key: string }) => r.key, subOf: () => 0 }, { prefix: '', delimiter: '', after: { key: '', sub: null }, maxKeys: 0 })
    expect(p).toEqual({ rows: [], commonPrefixes: [], isTruncated: false, last: null, next: null })
    expect(listObjects(d(), OBJ, { prefix: '', delimiter: '/', after: '', maxKeys: 0 })).toEqual({ contents: [], commonPrefixes: [], isTruncated: false, last: null })
    const v = listObjectVersions(d(), VER, { prefix: '', delimiter: '', after: { key: '', sub: null }, maxKeys: 0 })
    expect([v.versions.length, v.isTruncated, v.next]).toEqual([0, false, null])
    const u = listMultipartUploads(d(), UPL, { prefix: '', delimiter: '', keyMarker: '', uploadIdMarker: '', maxUploads: 0 })
    expect([u.uploads.length, u.isTruncated, u.next]).toEqual([0, false, null])
  })

  /*
   * The cleanup loop: list a page, delete exactly what it listed, resume from its markers (which
   * now name deleted rows). Run inside a transaction that is rolled back, so every page size
   * starts from the same data.
   */
  for (const size of [1, 2, 3, 7, 100, 999, 1000]) {
    test(`cleanup loop, page size ${size}: deleting each page of versions and uploads before the next empties the bucket`, () => {
      db.sqlite.run('BEGIN')
      try {
        let m: { key: string; versionId: string | null } | null = null
        let deleted = 0
        for (let n = 0; ; n++) {
          if (n > 5000) throw new Error('version cleanup did not end')
          const r = listObjectVersions(d(), VER, { prefix: '', delimiter: '', after: versionCursor(d(), VER, m?.key ?? '', m?.versionId ?? ''), maxKeys: size })
          for (const v of r.versions) repos.objects.deleteVersion(v.id)
          deleted += r.versions.length
          if (!r.isTruncated) break
          m = r.next
        }
        expect(deleted).toBe(versionRows.length)
        expect(repos.objects.hasS3Versions(VER)).toBe(false)

        let u: { key: string; uploadId: string | null } | null = null
        let aborted = 0
        for (let n = 0; ; n++) {
          if (n > 5000) throw new Error('upload cleanup did not end')
          const r = listMultipartUploads(d(), UPL, { prefix: '', delimiter: '', keyMarker: u?.key ?? '', uploadIdMarker: u?.uploadId ?? '', maxUploads: size })
          for (const x of r.uploads) repos.multipart.delete(x.id)
          aborted += r.uploads.length
          if (!r.isTruncated) break
          u = r.next
        }
        expect(aborted).toBe(uploadRows.length)
        expect(repos.multipart.hasUploads(UPL)).toBe(false)
      } finally {
        db.sqlite.run('ROLLBACK')
      }
    })
  }

  test('a version-id-marker is a position: deleted ids and a deleted null version resume where they were', () => {
    // A key with five versions, the middle one null: n5 n4 null(3) n2 n1 (newest first).
    db.sqlite.run('BEGIN')
    try {
      const now = Date.now()
      const key = 'zz-marker-key'
      const obj = repos.objects.insertObject(newUlid(), VER, key, now)
      const vs: VersionRow[] = []
      for (let i = 1; i <= 5; i++) {
        const v: VersionRow = {
          id: newUlid(), objectId: obj.id, bucketId: VER, key, versionNumber: repos.objects.takeVersionNumber(obj.id), s3Null: i === 3, s3Hidden: false,
          isDeleteMarker: false, blobId: null, size: 1, etag: 'e', partsCount: 0, contentType: '', headersJson: '{}', userMetaJson: '{}', checksumJson: null, sha256: null, createdAt: now, noncurrentSince: null,
        }
        repos.objects.insertVersion(v)
        vs.push(v)
      }
      repos.objects.setHead(obj.id, vs[4])
      const after = (versionId: string) => listObjectVersions(d(), VER, { prefix: key, delimiter: '', after: versionCursor(d(), VER, key, versionId), maxKeys: 100 }).versions.map((v) => s3VersionId(v))
      const [v1, v2, , v4, v5] = vs.map((v) => v.id)
      expect(after(v4)).toEqual(['null', v2, v1])
      expect(after('null')).toEqual([v2, v1])
      // Deleted: the real id keeps its place by time order.
      repos.objects.deleteVersion(v4)
      expect(after(v4)).toEqual(['null', v2, v1])
      expect(after(v5)).toEqual(['null', v2, v1])
      // Deleted null version: the key's remaining versions, never skipped.
      repos.objects.deleteVersion(vs[2].id)
      expect(after('null')).toEqual([v5, v2, v1])
      repos.objects.deleteVersion(v5)
      expect(after('null')).toEqual([v2, v1])
      // An id of another key positions by time too; a malformed one is InvalidArgument.
      expect(after(newUlid())).toEqual([v2, v1])
      expect(() => versionCursor(d(), VER, key, 'not-a-version')).toThrow('Invalid version id specified')
      expect(() => versionCursor(d(), VER, '', v1)).toThrow('A version-id marker cannot be specified without a key marker.')
    } finally {
      db.sqlite.run('ROLLBACK')
    }
  })
})
