import { describe, test, expect, afterAll, beforeAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { and, count, eq, getTableColumns, is, max, sql } from 'drizzle-orm'
import { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { openDatabase, type Db } from '../../src/db/client'
import { migrate } from '../../src/db/migrate'
import { aliased, placeholderFor, prepareSelect } from '../../src/db/prepared'
import { createRepos, type Repos } from '../../src/db/repos'
import * as schema from '../../src/db/schema'

/*
 * prepareSelect decodes rows itself (drizzle's generic row mapper costs as much as a lookup): its
 * rows must be exactly what drizzle's own .all()/.get() return for the same query, booleans,
 * NULLs, custom types and mapWith expressions included.
 */

const dir = mkdtempSync(join(tmpdir(), 'cs-prepared-'))
let db: Db
let repos: Repos
const now = 1_700_000_000_000

beforeAll(() => {
  db = openDatabase(join(dir, 'test.db'))
  migrate(db.sqlite)
  repos = createRepos(db)
  db.tx(() => {
    repos.accounts.insert({ id: 'a1', email: 'One@Example.com', passwordHash: 'h', isAdmin: true, plan: null, quotaOverride: 5, status: 'active', passwordChangedAt: now, createdAt: now })
    repos.accounts.insert({ id: 'a2', email: 'two@example.com', passwordHash: 'h', isAdmin: false, plan: 'basic', quotaOverride: null, status: 'suspended', passwordChangedAt: now, createdAt: now + 1 })
    repos.buckets.insert({ id: 'b1', name: 'one', accountId: 'a1', region: 'r', isDefault: true, s3Versioning: 'Enabled', timeMachine: false, publicRead: true, corsJson: null, retentionMaxVersions: 3, retentionDays: null, usageBytes: 0, usageObjects: 0, createdAt: now })
    repos.accessKeys.insert({ id: 'CSKEY1', accountId: 'a1', name: 'k', secretEnc: 'x', createdAt: now, lastUsedAt: null })
    for (const [i, marker] of [[0, false], [1, true], [2, false]] as const) {
      const key = `k${i}`
      const o = repos.objects.insertObject(`o${i}`, 'b1', key, now)
      const v = {
        id: `v${i}`, objectId: o.id, bucketId: 'b1', key, versionNumber: repos.objects.takeVersionNumber(o.id), s3Null: i === 2, s3Hidden: false, isDeleteMarker: marker,
        blobId: null, size: 10 * i, etag: 'e', partsCount: 0, contentType: 't', headersJson: '{}', userMetaJson: '{}', checksumJson: null, sha256: null, createdAt: now + i, noncurrentSince: null,
      }
      repos.objects.insertVersion(v)
      repos.objects.setHead(o.id, v)
    }
  })
})
afterAll(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('prepareSelect', () => {
  test('every table: the same rows as drizzle returns', () => {
    for (const table of Object.values(schema)) {
      if (!is(table, SQLiteTable)) continue
      const columns = getTableColumns(table)
      expect(prepareSelect(db, db.orm.select(aliased(columns)).from(table)).all()).toEqual(db.orm.select(columns).from(table).all())
    }
    // The fixture has rows where it matters: flags both ways, NULLs, a custom column type.
    expect(prepareSelect(db, db.orm.select(aliased(getTableColumns(schema.objects))).from(schema.objects)).all().map((o) => o.isLive)).toEqual([true, false, true])
    expect(prepareSelect(db, db.orm.select(aliased(getTableColumns(schema.accounts))).from(schema.accounts)).all().map((a) => [a.email, a.isAdmin, a.plan])).toEqual([['One@Example.com', true, null], ['two@example.com', false, 'basic']])
  })

  test('joins, placeholders, aggregates and mapWith expressions', () => {
    const fields = {
      ...getTableColumns(schema.objectVersions), isLatest: sql`${schema.objects.currentVersionId} IS ${schema.objectVersions.id}`.mapWith(Boolean),
      admin: schema.accounts.isAdmin, n: count(), newest: max(schema.objectVersions.createdAt), plan: schema.accounts.plan,
    }
    const join = eq(schema.objects.id, schema.objectVersions.objectId)
    const bucketJoin = eq(schema.buckets.id, schema.objectVersions.bucketId)
    const accountJoin = eq(schema.accounts.id, schema.buckets.accountId)
    const where = eq(schema.objectVersions.bucketId, sql.placeholder('bucket'))
    const limit = sql.placeholder('limit')
    const mineQuery = db.orm.select(aliased(fields)).from(schema.objectVersions).innerJoin(schema.objects, join).innerJoin(schema.buckets, bucketJoin)
      .innerJoin(schema.accounts, accountJoin).where(where).groupBy(schema.objectVersions.id).orderBy(schema.objectVersions.id).limit(limit)
    const theirQuery = db.orm.select(fields).from(schema.objectVersions).innerJoin(schema.objects, join).innerJoin(schema.buckets, bucketJoin)
      .innerJoin(schema.accounts, accountJoin).where(where).groupBy(schema.objectVersions.id).orderBy(schema.objectVersions.id).limit(limit)
    const mine = prepareSelect(db, mineQuery)
    const theirs = theirQuery.prepare()
    const b1 = { bucket: 'b1', limit: 10 }
    expect(mine.all(b1)).toEqual(theirs.all(b1))
    expect(mine.get(b1)).toEqual(theirs.get(b1)!)
    expect(mine.all(b1).map((r) => [r.isDeleteMarker, r.s3Null, r.isLatest, r.admin, r.plan])).toEqual([[false, false, true, true, null], [true, false, true, true, null], [false, true, true, true, null]])
    expect(mine.all({ bucket: 'b1', limit: 1 })).toEqual(theirs.all({ bucket: 'b1', limit: 1 }))
    expect(mine.get({ bucket: 'nope', limit: 10 })).toBeUndefined()
    expect(mine.all({ bucket: 'nope', limit: 10 })).toEqual([])
    // A placeholder without a value is refused, as drizzle refuses it.
    expect(() => mine.all({ bucket: 'b1' })).toThrow('No value for placeholder "limit" was provided')
  })

  test('a select of fields not aliased to their names is refused when prepared, not misread later', () => {
    expect(() => prepareSelect(db, db.orm.select({ id: schema.objects.id }).from(schema.objects))).toThrow(/not aliased to its name/)
    expect(() => prepareSelect(db, db.orm.select({ id: sql`1`.as('other') }).from(schema.objects))).toThrow(/not aliased to its name/)
    expect(() => prepareSelect(db, db.orm.select({ nested: { id: schema.objects.id } }).from(schema.objects))).toThrow(/not aliased to its name/)
  })

  test('an encoded constant and an encoded placeholder in the WHERE clause', () => {
    const byFlag = prepareSelect(db, db.orm.select(aliased({ id: schema.objects.id })).from(schema.objects)
      .where(and(eq(schema.objects.isLive, true), eq(schema.objects.bucketId, sql`${sql.param(sql.placeholder('b'), schema.objects.bucketId)}`))).orderBy(schema.objects.id))
    expect(byFlag.all({ b: 'b1' })).toEqual([{ id: 'o0' }, { id: 'o2' }])
  })

  test('placeholderFor encodes like its column: a boolean SET value is stored as 0/1', () => {
    const set = db.orm.update(schema.buckets).set({ publicRead: placeholderFor(schema.buckets.publicRead, 'v') }).where(eq(schema.buckets.id, 'b1')).prepare()
    const raw = () => db.sqlite.query<{ public_read: number }, []>("SELECT public_read FROM buckets WHERE id = 'b1'").get()!.public_read
    set.run({ v: false })
    expect(raw()).toBe(0)
    set.run({ v: true })
    expect(raw()).toBe(1)
  })
})

describe('repos read booleans as booleans', () => {
  test('accounts, buckets, keys, objects, versions, webhooks', () => {
    expect(repos.accounts.byId('a1')!.isAdmin).toBe(true)
    expect(repos.accounts.byEmail('one@example.com')!.id).toBe('a1')
    expect(repos.accessKeys.withAccount('CSKEY1')).toMatchObject({ isAdmin: true, status: 'active' })
    expect(repos.buckets.byName('one')).toMatchObject({ isDefault: true, timeMachine: false, publicRead: true })
    expect(repos.objects.byKey('b1', 'k1')).toMatchObject({ isLive: false, currentVersionId: 'v1' })
    expect(repos.objects.version('v1')).toMatchObject({ isDeleteMarker: true, s3Null: false, s3Hidden: false })
    expect(repos.objects.s3VersionsPage('b1', '', null, '', 10).map((v) => [v.key, v.isLatest])).toEqual([['k0', true], ['k1', true], ['k2', true]])
    db.tx(() => repos.webhooks.insert({ id: 'wh_1', accountId: 'a1', url: 'http://x', eventsJson: '[]', secretEnc: 'v1:x', active: false, createdAt: now, updatedAt: now, bucket: null, prefix: null }))
    expect(repos.webhooks.get('wh_1')!.active).toBe(false)
    expect(repos.webhooks.anyActive()).toBe(false)
    db.tx(() => repos.webhooks.update('wh_1', { active: true }, now + 1))
    expect(repos.webhooks.get('wh_1')).toMatchObject({ active: true, updatedAt: now + 1 })
    expect(repos.webhooks.anyActive()).toBe(true)
  })
})
