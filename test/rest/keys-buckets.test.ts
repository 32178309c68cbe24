/**
 * /api/keys and /api/buckets: key limits and immediate revocation on every surface; buckets
 * with usage, S3 naming rules and the 10-bucket limit, deletion (BucketNotEmpty unless force),
 * settings round trip, public read on the S3 port.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test'
import { CreateBucketCommand, GetBucketCorsCommand, HeadBucketCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { startInProcess, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'
import { api, createAccount, expectError, keyHeaders, login, type Account, type Session } from './rest-helpers'

// Servers start and argon2 hashes run on a shared 2-core machine: no tight per-test clock.
setDefaultTimeout(120_000)

let srv: TestServer
beforeAll(async () => { srv = await startInProcess() })
afterAll(async () => { await srv?.stop() })

const s3For = (a: { accessKey: string; secretKey: string }) => s3Client(srv.s3Url, { accessKeyId: a.accessKey, secretAccessKey: a.secretKey })


describe('access keys', () => {
  let acct: Account
  let s: Session
  beforeAll(async () => {
    acct = await createAccount(srv)
    s = await login(srv, acct.email, acct.password)
  })
  const cookie = () => ({ cookie: s.cookie })

  test('an account has at most 5 keys: the 6th is 409 TooManyAccessKeys; revoking frees a slot', async () => {
    const created: string[] = []
    for (let i = 2; i <= 5; i++) {
      const r = await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: `key-${i}` } })
      expect(r.status).toBe(201)
      created.push(r.body.accessKey)
    }
    const list = await api(srv, 'GET', '/api/keys', { headers: cookie() })
    expect(list.body.keys.length).toBe(5)
    expect(list.body.keys.map((k: { name: string }) => k.name).sort()).toEqual(['default', 'key-2', 'key-3', 'key-4', 'key-5'])
    for (const k of list.body.keys) {
      expect(Object.keys(k).sort()).toEqual(['accessKey', 'createdAt', 'id', 'lastUsedAt', 'name'])
      expect(k.id).toBe(k.accessKey)
    }
    expect(list.text).not.toContain(acct.secretKey)
    expectError(await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 'key-6' } }), 409, 'TooManyAccessKeys')
    expect((await api(srv, 'GET', '/api/keys', { headers: cookie() })).body.keys.length).toBe(5)
    expect((await api(srv, 'DELETE', `/api/keys?id=${created[0]}`, { headers: cookie() })).status).toBe(200)
    const again = await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 'key-6' } })
    expect(again.status).toBe(201)
    for (const k of [...created.slice(1), again.body.accessKey]) expect((await api(srv, 'DELETE', `/api/keys?id=${k}`, { headers: cookie() })).status).toBe(200)
    expect((await api(srv, 'GET', '/api/keys', { headers: cookie() })).body.keys.length).toBe(1)
  })

  test('lastUsedAt is set once a key is used, on S3 or on the REST API', async () => {
    const lastUsed = async (accessKey: string) => (await api(srv, 'GET', '/api/keys', { headers: cookie() })).body.keys.find((x: { accessKey: string }) => x.accessKey === accessKey).lastUsedAt
    const viaS3 = (await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 'used-on-s3' } })).body
    const viaRest = (await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 'used-on-rest' } })).body
    expect(await lastUsed(viaS3.accessKey)).toBeNull()
    expect(await lastUsed(viaRest.accessKey)).toBeNull()
    const t0 = Date.now() - 1000
    await s3For(viaS3).send(new ListBucketsCommand({}))
    expect((await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(`${viaRest.accessKey}:${viaRest.secretKey}`) })).status).toBe(200)
    for (const k of [viaS3, viaRest]) {
      const t = await lastUsed(k.accessKey)
      expect(t).not.toBeNull()
      expect(Date.parse(t)).toBeGreaterThanOrEqual(t0)
      await api(srv, 'DELETE', `/api/keys?id=${k.accessKey}`, { headers: cookie() })
    }
  })

  test('revocation takes effect immediately: S3 → 403 InvalidAccessKeyId, REST → 401', async () => {
    const k = await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 'to-revoke' } })
    const s3 = s3For(k.body)
    const rest = keyHeaders(`${k.body.accessKey}:${k.body.secretKey}`)
    // Both work first (and the S3 client keeps its connection).
    await s3.send(new PutObjectCommand({ Bucket: acct.bucket, Key: 'before-revoke.txt', Body: 'x' }))
    expect((await api(srv, 'GET', '/api/v1/files', { headers: rest })).status).toBe(200)
    const del = await api(srv, 'DELETE', `/api/keys?id=${k.body.accessKey}`, { headers: cookie() })
    expect(del.status).toBe(200)
    expect(del.body).toEqual({ success: true })
    expect(await s3Error(s3.send(new ListObjectsV2Command({ Bucket: acct.bucket })))).toEqual({ code: 'InvalidAccessKeyId', status: 403 })
    expect(await s3Error(s3.send(new PutObjectCommand({ Bucket: acct.bucket, Key: 'after-revoke.txt', Body: 'x' })))).toEqual({ code: 'InvalidAccessKeyId', status: 403 })
    expectError(await api(srv, 'GET', '/api/v1/files', { headers: rest }), 401, 'Unauthorized')
    expectError(await api(srv, 'POST', '/api/v1/files?key=after-revoke.txt', { headers: rest, body: 'x' }), 401, 'Unauthorized')
    expectError(await api(srv, 'GET', '/api/v1/files', { headers: { authorization: `Bearer ${k.body.accessKey}:${k.body.secretKey}` } }), 401, 'Unauthorized')
    // A revoked key cannot call the dashboard API either.
    expectError(await api(srv, 'GET', '/api/keys', { headers: rest }), 401, 'Unauthorized')
  })

  test('revoking: missing id → 400, unknown id → 404 NoSuchAccessKey, another account’s key → 404 (and it keeps working)', async () => {
    expectError(await api(srv, 'DELETE', '/api/keys', { headers: cookie() }), 400, 'ValidationError')
    expectError(await api(srv, 'DELETE', '/api/keys?id=CSNOSUCHKEY0000000000', { headers: cookie() }), 404, 'NoSuchAccessKey')
    const other = await createAccount(srv)
    expectError(await api(srv, 'DELETE', `/api/keys?id=${other.accessKey}`, { headers: cookie() }), 404, 'NoSuchAccessKey')
    expect((await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(other.apiKey) })).status).toBe(200)
    // Lists are per account.
    const mine = (await api(srv, 'GET', '/api/keys', { headers: cookie() })).body.keys.map((k: { accessKey: string }) => k.accessKey)
    expect(mine).not.toContain(other.accessKey)
  })

  test('create body validation: unknown fields, wrong types, invalid JSON', async () => {
    expectError(await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 'x', secretKey: 'mine' } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/keys', { headers: cookie(), json: { name: 42 } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/keys', { headers: { ...cookie(), 'content-type': 'application/json' }, body: '{name:' }), 400, 'InvalidJSON')
  })

  test('a key managing keys cannot revoke itself', async () => {
    expectError(await api(srv, 'DELETE', `/api/keys?id=${acct.accessKey}`, { headers: keyHeaders(acct.apiKey) }), 400, 'ValidationError')
    expect((await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(acct.apiKey) })).status).toBe(200)
  })
})

describe('buckets', () => {
  let acct: Account
  let s: Session
  beforeAll(async () => {
    acct = await createAccount(srv)
    s = await login(srv, acct.email, acct.password)
  })
  const cookie = () => ({ cookie: s.cookie })
  const create = (name: string) => api(srv, 'POST', '/api/buckets', { headers: cookie(), json: { name } })

  test('create answers the bucket with its settings; list shows usage (logical bytes, bytes on disk, objects)', async () => {
    const r = await create('kb-photos')
    expect(r.status).toBe(201)
    expect(r.body).toMatchObject({ name: 'kb-photos', isDefault: false, region: 'eu-central-1', timeMachine: true, publicRead: false, cors: null, usage: { bytes: 0, storedBytes: 0, objects: 0 } })
    const s3 = s3For(acct)
    await s3.send(new PutObjectCommand({ Bucket: 'kb-photos', Key: 'a.txt', Body: 'hello' }))
    await s3.send(new PutObjectCommand({ Bucket: 'kb-photos', Key: 'b.txt', Body: 'world!!' }))
    // The same bytes again: stored once (deduplicated), counted twice logically.
    await s3.send(new PutObjectCommand({ Bucket: 'kb-photos', Key: 'c.txt', Body: 'hello' }))
    const usage = async () => {
      const list = await api(srv, 'GET', '/api/buckets', { headers: cookie() })
      expect(list.status).toBe(200)
      return Object.fromEntries(list.body.buckets.map((b: { name: string; usage: unknown }) => [b.name, b.usage]))
    }
    const byName = Object.fromEntries((await api(srv, 'GET', '/api/buckets', { headers: cookie() })).body.buckets.map((b: { name: string }) => [b.name, b]))
    expect(Object.keys(byName).sort()).toEqual([acct.bucket, 'kb-photos'].sort())
    expect(byName['kb-photos'].usage).toEqual({ bytes: 17, storedBytes: 12, objects: 3 })
    expect(byName[acct.bucket].isDefault).toBe(true)
    expect(byName[acct.bucket].usage).toEqual({ bytes: 0, storedBytes: 0, objects: 0 })
    // A blob shared with another bucket counts in each; an overwrite kept by Time Machine keeps its blob.
    await s3.send(new PutObjectCommand({ Bucket: acct.bucket, Key: 'd.txt', Body: 'hello' }))
    await s3.send(new PutObjectCommand({ Bucket: 'kb-photos', Key: 'a.txt', Body: 'HELLO' }))
    expect(await usage()).toEqual({ 'kb-photos': { bytes: 22, storedBytes: 17, objects: 3 }, [acct.bucket]: { bytes: 5, storedBytes: 5, objects: 1 } })
    expect((await api(srv, 'GET', '/api/buckets/kb-photos', { headers: cookie() })).body.usage).toEqual({ bytes: 22, storedBytes: 17, objects: 3 })
    // The same bucket through S3.
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name).sort()).toEqual([acct.bucket, 'kb-photos'].sort())
  })

  test('duplicate names: own → 409 BucketAlreadyOwnedByYou, another account’s → 409 BucketAlreadyExists', async () => {
    expectError(await create('kb-photos'), 409, 'BucketAlreadyOwnedByYou')
    const other = await createAccount(srv)
    const r = await api(srv, 'POST', '/api/buckets', { headers: keyHeaders(other.apiKey), json: { name: 'kb-photos' } })
    expectError(r, 409, 'BucketAlreadyExists')
  })

  test('naming rules are S3’s, with the same code on both surfaces', async () => {
    const bad = ['ab', 'a'.repeat(64), 'Upper-Case', 'under_score', '-leading', 'trailing-', 'two..dots', 'dot.-hyphen', '192.168.1.1', 'xn--punycode', 'sthree-x', 'name-s3alias', 'sp ace']
    const s3 = s3For(acct)
    for (const name of bad) {
      const r = await create(name)
      expect({ name, status: r.status, code: r.body?.error?.code }).toEqual({ name, status: 400, code: 'InvalidBucketName' })
    }
    // Spot-check the S3 surface agrees (the SDK refuses some names client-side).
    for (const name of ['two..dots', '192.168.1.1', 'xn--punycode']) {
      expect(await s3Error(s3.send(new CreateBucketCommand({ Bucket: name })))).toEqual({ code: 'InvalidBucketName', status: 400 })
    }
    for (const name of ['abc', 'a'.repeat(63), 'with.dots.ok', 'digits-123']) {
      expect((await create(name)).status).toBe(201)
      expect((await api(srv, 'DELETE', `/api/buckets/${name}`, { headers: cookie() })).status).toBe(200)
    }
    expectError(await api(srv, 'POST', '/api/buckets', { headers: cookie(), json: {} }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: cookie(), json: { name: 'ok-name', region: 'x' } }), 400, 'ValidationError')
    expectError(await api(srv, 'POST', '/api/buckets', { headers: cookie(), json: { name: ['arr'] } }), 400, 'ValidationError')
  })

  test('10 buckets per account including the default: the 11th fails on the API and on S3', async () => {
    const other = await createAccount(srv)
    const h = keyHeaders(other.apiKey)
    for (let i = 1; i <= 9; i++) expect((await api(srv, 'POST', '/api/buckets', { headers: h, json: { name: `kb-limit-${other.id.toLowerCase()}-${i}` } })).status).toBe(201)
    expect((await api(srv, 'GET', '/api/buckets', { headers: h })).body.buckets.length).toBe(10)
    expectError(await api(srv, 'POST', '/api/buckets', { headers: h, json: { name: `kb-limit-${other.id.toLowerCase()}-10` } }), 400, 'TooManyBuckets')
    expect(await s3Error(s3For(other).send(new CreateBucketCommand({ Bucket: `kb-limit-${other.id.toLowerCase()}-s3` })))).toEqual({ code: 'TooManyBuckets', status: 400 })
    // Deleting one frees a slot.
    expect((await api(srv, 'DELETE', `/api/buckets/kb-limit-${other.id.toLowerCase()}-1`, { headers: h })).status).toBe(200)
    expect((await api(srv, 'POST', '/api/buckets', { headers: h, json: { name: `kb-limit-${other.id.toLowerCase()}-10` } })).status).toBe(201)
  })

  test('delete: 409 BucketNotEmpty unless ?force=true; force removes objects and usage', async () => {
    expectError(await api(srv, 'DELETE', '/api/buckets/kb-photos', { headers: cookie() }), 409, 'BucketNotEmpty')
    expectError(await api(srv, 'DELETE', '/api/buckets/kb-photos?force=false', { headers: cookie() }), 409, 'BucketNotEmpty')
    expect((await api(srv, 'GET', '/api/me', { headers: cookie() })).body.usage.objects).toBe(4)
    const r = await api(srv, 'DELETE', '/api/buckets/kb-photos?force=true', { headers: cookie() })
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ success: true })
    expectError(await api(srv, 'GET', '/api/buckets/kb-photos', { headers: cookie() }), 404, 'NoSuchBucket')
    expect(await s3Error(s3For(acct).send(new HeadBucketCommand({ Bucket: 'kb-photos' })))).toEqual({ code: 'NotFound', status: 404 })
    // What is left is the default bucket's d.txt, whose blob kb-photos shared.
    const me = await api(srv, 'GET', '/api/me', { headers: cookie() })
    expect(me.body.usage).toEqual({ bytes: 5, storedBytes: 5, objects: 1 })
    // An empty bucket needs no force; the name is free again.
    expect((await create('kb-photos')).status).toBe(201)
    expect((await api(srv, 'DELETE', '/api/buckets/kb-photos', { headers: cookie() })).status).toBe(200)
    expectError(await api(srv, 'DELETE', '/api/buckets/kb-photos', { headers: cookie() }), 404, 'NoSuchBucket')
  })

  test('the default bucket cannot be deleted through the API', async () => {
    expectError(await api(srv, 'DELETE', `/api/buckets/${acct.bucket}?force=true`, { headers: cookie() }), 400, 'ValidationError')
  })

  test('another account’s bucket: 403 AccessDenied on get, patch and delete (as on S3)', async () => {
    const other = await createAccount(srv)
    const h = keyHeaders(other.apiKey)
    expectError(await api(srv, 'GET', `/api/buckets/${acct.bucket}`, { headers: h }), 403, 'AccessDenied')
    expectError(await api(srv, 'PATCH', `/api/buckets/${acct.bucket}`, { headers: h, json: { publicRead: true } }), 403, 'AccessDenied')
    expectError(await api(srv, 'DELETE', `/api/buckets/${acct.bucket}?force=true`, { headers: h }), 403, 'AccessDenied')
    expect(await s3Error(s3For(other).send(new ListObjectsV2Command({ Bucket: acct.bucket })))).toEqual({ code: 'AccessDenied', status: 403 })
    expect((await api(srv, 'GET', `/api/buckets/${acct.bucket}`, { headers: cookie() })).body.publicRead).toBe(false)
    expect((await api(srv, 'GET', '/api/buckets', { headers: h })).body.buckets.map((b: { name: string }) => b.name)).toEqual([other.bucket])
  })

  test('settings round trip: versioning (Time Machine), publicRead, cors', async () => {
    expect((await create('kb-settings')).status).toBe(201)
    const cors = [{ allowedOrigins: ['https://app.example'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['*'], exposeHeaders: ['ETag'], maxAgeSeconds: 3000 }]
    const p = await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { versioning: false, publicRead: true, cors } })
    expect(p.status).toBe(200)
    expect(p.body).toMatchObject({ name: 'kb-settings', timeMachine: false, publicRead: true, cors })
    const g = await api(srv, 'GET', '/api/buckets/kb-settings', { headers: cookie() })
    expect(g.body).toEqual(p.body)
    // CORS rules are the bucket's S3 CORS configuration.
    const c = await s3For(acct).send(new GetBucketCorsCommand({ Bucket: 'kb-settings' }))
    expect(c.CORSRules).toEqual([{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 }])
    // A partial patch changes only what it names.
    const p2 = await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { versioning: true } })
    expect(p2.body).toMatchObject({ timeMachine: true, publicRead: true, cors })
    const p3 = await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { cors: null, publicRead: false } })
    expect(p3.body).toMatchObject({ timeMachine: true, publicRead: false, cors: null })
    expect(await s3Error(s3For(acct).send(new GetBucketCorsCommand({ Bucket: 'kb-settings' })))).toEqual({ code: 'NoSuchCORSConfiguration', status: 404 })
    // An empty rule list clears CORS as well.
    await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { cors } })
    const p4 = await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { cors: [] } })
    expect(p4.status).toBe(200)
    expect(p4.body.cors).toBeNull()
  })

  test('settings validation: unknown fields, wrong types, bad CORS rules, unknown bucket', async () => {
    const patch = (json: unknown) => api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json })
    expectError(await patch({ publicread: true }), 400, 'ValidationError')
    expectError(await patch({ versioning: 'Enabled' }), 400, 'ValidationError')
    expectError(await patch({ publicRead: 1 }), 400, 'ValidationError')
    expectError(await patch({ cors: 'all' }), 400, 'ValidationError')
    expectError(await patch({ cors: [{ allowedOrigins: ['*'] }] }), 400, 'ValidationError')
    expectError(await patch({ cors: [{ allowedOrigins: ['*'], allowedMethods: ['PATCH'] }] }), 400, 'ValidationError')
    expectError(await patch({ cors: [{ allowedOrigins: ['*'], allowedMethods: ['GET'], allowedOrigin: ['typo'] }] }), 400, 'ValidationError')
    expectError(await patch({ cors: [{ allowedOrigins: '*', allowedMethods: ['GET'] }] }), 400, 'ValidationError')
    expectError(await patch([1, 2]), 400, 'ValidationError')
    expectError(await api(srv, 'PATCH', '/api/buckets/kb-no-such-bucket', { headers: cookie(), json: { publicRead: true } }), 404, 'NoSuchBucket')
    // Nothing changed.
    expect((await api(srv, 'GET', '/api/buckets/kb-settings', { headers: cookie() })).body).toMatchObject({ timeMachine: true, publicRead: false, cors: null })
  })

  test('publicRead lets an anonymous GET on the S3 port read objects; without it → 403 AccessDenied', async () => {
    await s3For(acct).send(new PutObjectCommand({ Bucket: 'kb-settings', Key: 'pub/hello.txt', Body: 'public hello', ContentType: 'text/plain' }))
    const url = `${srv.s3Url}/kb-settings/pub/hello.txt`
    const denied = await fetch(url)
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('<Code>AccessDenied</Code>')
    await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { publicRead: true } })
    const ok = await fetch(url)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-type')).toBe('text/plain')
    expect(await ok.text()).toBe('public hello')
    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe('12')
    // Read only: anonymous writes and deletes stay refused.
    const put = await fetch(`${srv.s3Url}/kb-settings/pub/evil.txt`, { method: 'PUT', body: 'x' })
    expect(put.status).toBe(403)
    const del = await fetch(url, { method: 'DELETE' })
    expect(del.status).toBe(403)
    expect((await fetch(url)).status).toBe(200)
    // Turning it off takes effect at once.
    await api(srv, 'PATCH', '/api/buckets/kb-settings', { headers: cookie(), json: { publicRead: false } })
    expect((await fetch(url)).status).toBe(403)
  })
})
