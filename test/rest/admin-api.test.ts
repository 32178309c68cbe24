/**
 * /api/admin/*: who may call it (admin token, an admin's key or session; never a non-admin),
 * account creation, suspension, quota and plan changes, deletion with data; and the OpenAPI
 * document.
 */
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from 'bun:test'
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_EMAIL, startInProcess, type TestServer } from '../helpers/server'
import { s3Client, s3Error } from '../helpers/s3-client'
import { ROOT_API_KEY, adminHeaders, api, createAccount, expectError, keyHeaders, login, type Account } from './rest-helpers'

// Servers start and argon2 hashes run on a shared 2-core machine: no tight per-test clock.
setDefaultTimeout(120_000)

let srv: TestServer
beforeAll(async () => { srv = await startInProcess() })
afterAll(async () => { await srv?.stop() })

const s3For = (a: { accessKey: string; secretKey: string }) => s3Client(srv.s3Url, { accessKeyId: a.accessKey, secretAccessKey: a.secretKey })
const ACCOUNT_FIELDS = ['createdAt', 'email', 'id', 'isAdmin', 'plan', 'quotaBytes', 'status', 'usage']

describe('who may call the admin API', () => {
  let user: Account
  beforeAll(async () => { user = await createAccount(srv) })

  test('the local admin token, an admin API key and an admin session are accepted', async () => {
    const viaToken = await api(srv, 'GET', '/api/admin/accounts', { headers: adminHeaders(srv) })
    expect(viaToken.status).toBe(200)
    const viaKey = await api(srv, 'GET', '/api/admin/accounts', { headers: keyHeaders(ROOT_API_KEY) })
    expect(viaKey.status).toBe(200)
    const s = await login(srv)
    const viaSession = await api(srv, 'GET', '/api/admin/accounts', { headers: { cookie: s.cookie } })
    expect(viaSession.status).toBe(200)
    expect(viaToken.body).toEqual(viaKey.body)
    const viaBearerKey = await api(srv, 'GET', '/api/admin/overview', { headers: { authorization: `Bearer ${ROOT_API_KEY}` } })
    expect(viaBearerKey.status).toBe(200)
  })

  test('a non-admin gets 403 AccessDenied on every admin route (key and session)', async () => {
    const s = await login(srv, user.email, user.password)
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/overview'],
      ['GET', '/api/admin/accounts'],
      ['POST', '/api/admin/accounts', { email: 'sneaky@example.com', password: 'sneaky-password-1' }],
      ['GET', `/api/admin/accounts/${user.id}`],
      ['PATCH', `/api/admin/accounts/${user.id}`, { isAdmin: true }],
      ['DELETE', `/api/admin/accounts/${user.id}`],
    ]
    for (const headers of [keyHeaders(user.apiKey), { cookie: s.cookie }]) {
      for (const [method, path, json] of routes) {
        const r = await api(srv, method, path, { headers, json })
        expect({ method, path, status: r.status, code: r.body?.error?.code }).toEqual({ method, path, status: 403, code: 'AccessDenied' })
      }
    }
    // Nothing changed.
    const me = await api(srv, 'GET', `/api/admin/accounts/${user.id}`, { headers: adminHeaders(srv) })
    expect(me.body.isAdmin).toBe(false)
    const all = await api(srv, 'GET', '/api/admin/accounts', { headers: adminHeaders(srv) })
    expect(all.body.accounts.map((a: { email: string }) => a.email)).not.toContain('sneaky@example.com')
  })

  test('no credentials → 401; a wrong admin token → 401', async () => {
    expectError(await api(srv, 'GET', '/api/admin/overview'), 401, 'Unauthorized')
    expectError(await api(srv, 'GET', '/api/admin/overview', { headers: { authorization: 'Bearer cst_wrongwrongwrongwrongwrongwrongwrong' } }), 401, 'Unauthorized')
    const real = adminHeaders(srv).authorization
    expectError(await api(srv, 'GET', '/api/admin/overview', { headers: { authorization: real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A') } }), 401, 'Unauthorized')
    // The admin token is not an API key and not valid on the REST file API as one.
    expectError(await api(srv, 'GET', '/api/v1/files', { headers: { 'x-api-key': real.replace('Bearer ', '') } }), 401, 'Unauthorized')
  })
})

describe('accounts', () => {
  test('overview has totals', async () => {
    const r = await api(srv, 'GET', '/api/admin/overview', { headers: adminHeaders(srv) })
    expect(r.status).toBe(200)
    expect(typeof r.body.version).toBe('string')
    expect(r.body.accounts).toBeGreaterThanOrEqual(1)
    expect(r.body.buckets).toBeGreaterThanOrEqual(1)
    expect(r.body.storage).toEqual({ logicalBytes: expect.any(Number), storedBytes: expect.any(Number), objects: expect.any(Number) })
    expect(r.body.region).toBe('eu-central-1')
  })

  test('create: 201 with the account, a working key pair and a default bucket; admin flag, plan and quota', async () => {
    const r = await api(srv, 'POST', '/api/admin/accounts', { headers: adminHeaders(srv), json: { email: 'erin@admin.test', password: 'erin-password-1', quota: '1GiB' } })
    expect(r.status).toBe(201)
    expect(Object.keys(r.body).sort()).toEqual(['accessKey', 'account', 'bucket', 'secretKey'])
    expect(Object.keys(r.body.account).sort()).toEqual(ACCOUNT_FIELDS)
    expect(r.body.account).toMatchObject({ email: 'erin@admin.test', isAdmin: false, status: 'active', plan: 'default', quotaBytes: 2 ** 30, usage: { bytes: 0, storedBytes: 0, objects: 0 } })
    expect(r.body.bucket).toBe('erin')
    expect((await s3For(r.body).send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['erin'])
    const one = await api(srv, 'GET', `/api/admin/accounts/${r.body.account.id}`, { headers: adminHeaders(srv) })
    // One account's view adds the bytes its uploads in progress hold reserved.
    expect(one.body).toEqual({ ...r.body.account, usage: { ...r.body.account.usage, reservedBytes: 0 } })
    const login1 = await api(srv, 'POST', '/api/auth/login', { json: { email: 'erin@admin.test', password: 'erin-password-1' } })
    expect(login1.status).toBe(200)

    const adm = await api(srv, 'POST', '/api/admin/accounts', { headers: adminHeaders(srv), json: { email: 'frank@admin.test', password: 'frank-password-1', isAdmin: true } })
    expect(adm.status).toBe(201)
    expect(adm.body.account.isAdmin).toBe(true)
    expect((await api(srv, 'GET', '/api/admin/overview', { headers: keyHeaders(`${adm.body.accessKey}:${adm.body.secretKey}`) })).status).toBe(200)
  })

  test('create validation: email, password, duplicate, unknown plan, bad quota, unknown fields', async () => {
    const create = (json: unknown) => api(srv, 'POST', '/api/admin/accounts', { headers: adminHeaders(srv), json })
    expectError(await create({ email: 'bad-email', password: 'long-enough-pw' }), 400, 'InvalidEmail')
    expectError(await create({ email: 'ok@admin.test', password: 'short' }), 400, 'WeakPassword')
    expectError(await create({ email: ROOT_EMAIL.toUpperCase(), password: 'long-enough-pw' }), 409, 'AccountAlreadyExists')
    expectError(await create({ email: 'ok@admin.test', password: 'long-enough-pw', plan: 'platinum' }), 400, 'ValidationError')
    expectError(await create({ email: 'ok@admin.test', password: 'long-enough-pw', quota: 'lots' }), 400, 'ValidationError')
    expectError(await create({ email: 'ok@admin.test', password: 'long-enough-pw', role: 'admin' }), 400, 'ValidationError')
    expectError(await create({ email: 'ok@admin.test', password: 'long-enough-pw', isAdmin: 'yes' }), 400, 'ValidationError')
    expectError(await create({ email: 'ok@admin.test' }), 400, 'ValidationError')
    const list = await api(srv, 'GET', '/api/admin/accounts', { headers: adminHeaders(srv) })
    expect(list.body.accounts.map((a: { email: string }) => a.email)).not.toContain('ok@admin.test')
  })

  test('unknown account id → 404 NoSuchAccount on get, patch, delete', async () => {
    expectError(await api(srv, 'GET', '/api/admin/accounts/NOPE', { headers: adminHeaders(srv) }), 404, 'NoSuchAccount')
    expectError(await api(srv, 'PATCH', '/api/admin/accounts/NOPE', { headers: adminHeaders(srv), json: { status: 'suspended' } }), 404, 'NoSuchAccount')
    expectError(await api(srv, 'DELETE', '/api/admin/accounts/NOPE', { headers: adminHeaders(srv) }), 404, 'NoSuchAccount')
  })

  test('suspend: the S3 key → 403, REST → 403 AccountSuspended, sessions end, login refused; reactivate restores', async () => {
    const a = await createAccount(srv)
    const s = await login(srv, a.email, a.password)
    const s3 = s3For(a)
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'before.txt', Body: 'x' }))
    const sus = await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { status: 'suspended' } })
    expect(sus.status).toBe(200)
    expect(sus.body).toMatchObject({ id: a.id, status: 'suspended' })
    expect(await s3Error(s3.send(new ListBucketsCommand({})))).toEqual({ code: 'AccessDenied', status: 403 })
    expect(await s3Error(s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'during.txt', Body: 'x' })))).toEqual({ code: 'AccessDenied', status: 403 })
    expectError(await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(a.apiKey) }), 403, 'AccountSuspended')
    expectError(await api(srv, 'POST', '/api/v1/files?key=during.txt', { headers: keyHeaders(a.apiKey), body: 'x' }), 403, 'AccountSuspended')
    expectError(await api(srv, 'GET', '/api/keys', { headers: keyHeaders(a.apiKey) }), 403, 'AccountSuspended')
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: a.email, password: a.password } }), 403, 'AccountSuspended')

    const act = await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { status: 'active' } })
    expect(act.body.status).toBe('active')
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual([a.bucket])
    expect((await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(a.apiKey) })).body.files.map((f: { key: string }) => f.key)).toEqual(['before.txt'])
  })

  test('quota: a lowered quota refuses writes beyond it on S3 and REST (403 QuotaExceeded); null restores the plan quota', async () => {
    const a = await createAccount(srv)
    const r = await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { quota: '1MiB' } })
    expect(r.status).toBe(200)
    expect(r.body.quotaBytes).toBe(2 ** 20)
    const s3 = s3For(a)
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'fits.bin', Body: Buffer.alloc(700_000, 1) }))
    expect(await s3Error(s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'too-much.bin', Body: Buffer.alloc(400_000, 2) })))).toEqual({ code: 'QuotaExceeded', status: 403 })
    expectError(await api(srv, 'POST', '/api/v1/files?key=too-much.bin', { headers: keyHeaders(a.apiKey), body: Buffer.alloc(400_000, 3) }), 403, 'QuotaExceeded')
    const f = new FormData()
    f.append('file', new Blob([Buffer.alloc(400_000, 4)]), 'too-much.bin')
    expectError(await api(srv, 'POST', '/api/v1/files', { headers: keyHeaders(a.apiKey), body: f }), 403, 'QuotaExceeded')
    const me = await api(srv, 'GET', '/api/me', { headers: keyHeaders(a.apiKey) })
    expect(me.body.quota).toEqual({ bytes: 2 ** 20, usedBytes: 700_000, remainingBytes: 2 ** 20 - 700_000 })
    // A quota as a byte count, then back to the plan's.
    expect((await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { quota: 5_000_000 } })).body.quotaBytes).toBe(5_000_000)
    const back = await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { quota: null } })
    expect(back.body.quotaBytes).toBe(10 * 2 ** 30)
    expect((await api(srv, 'POST', '/api/v1/files?key=now-fits.bin', { headers: keyHeaders(a.apiKey), body: Buffer.alloc(400_000, 5) })).status).toBe(201)
  })

  test('patch validation and self-protection', async () => {
    const a = await createAccount(srv)
    const patch = (id: string, json: unknown, headers: Record<string, string> = adminHeaders(srv)) => api(srv, 'PATCH', `/api/admin/accounts/${id}`, { headers, json })
    expectError(await patch(a.id, { status: 'deleted' }), 400, 'ValidationError')
    expectError(await patch(a.id, { suspended: true }), 400, 'ValidationError')
    expectError(await patch(a.id, { plan: 'platinum' }), 400, 'ValidationError')
    expectError(await patch(a.id, { quota: 'lots' }), 400, 'ValidationError')
    expectError(await patch(a.id, { quota: -5 }), 400, 'ValidationError')
    expectError(await patch(a.id, { isAdmin: 'true' }), 400, 'ValidationError')
    expectError(await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: { ...adminHeaders(srv), 'content-type': 'application/json' }, body: '{' }), 400, 'InvalidJSON')
    const root = (await api(srv, 'GET', '/api/me', { headers: keyHeaders(ROOT_API_KEY) })).body.account.id
    expectError(await patch(root, { status: 'suspended' }, keyHeaders(ROOT_API_KEY)), 400, 'ValidationError')
    expectError(await patch(root, { isAdmin: false }, keyHeaders(ROOT_API_KEY)), 400, 'ValidationError')
    expectError(await api(srv, 'DELETE', `/api/admin/accounts/${root}`, { headers: keyHeaders(ROOT_API_KEY) }), 400, 'ValidationError')
    expect((await api(srv, 'GET', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv) })).body).toMatchObject({ status: 'active', isAdmin: false, plan: 'default' })
  })

  test('promote and demote: isAdmin takes effect at once', async () => {
    const a = await createAccount(srv)
    expectError(await api(srv, 'GET', '/api/admin/overview', { headers: keyHeaders(a.apiKey) }), 403, 'AccessDenied')
    await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { isAdmin: true } })
    expect((await api(srv, 'GET', '/api/admin/overview', { headers: keyHeaders(a.apiKey) })).status).toBe(200)
    await api(srv, 'PATCH', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv), json: { isAdmin: false } })
    expectError(await api(srv, 'GET', '/api/admin/overview', { headers: keyHeaders(a.apiKey) }), 403, 'AccessDenied')
  })

  test('delete with data: buckets and objects gone, names free, keys invalid on S3 and REST, sessions dead', async () => {
    const a = await createAccount(srv)
    const s = await login(srv, a.email, a.password)
    const s3 = s3For(a)
    await s3.send(new CreateBucketCommand({ Bucket: 'doomed-extra' }))
    await s3.send(new PutObjectCommand({ Bucket: 'doomed-extra', Key: 'x.txt', Body: 'doomed data' }))
    await s3.send(new PutObjectCommand({ Bucket: a.bucket, Key: 'y.txt', Body: 'more doomed data' }))
    const before = (await api(srv, 'GET', '/api/admin/overview', { headers: adminHeaders(srv) })).body

    const del = await api(srv, 'DELETE', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv) })
    expect(del.status).toBe(200)
    expect(del.body).toEqual({ success: true })

    expectError(await api(srv, 'GET', `/api/admin/accounts/${a.id}`, { headers: adminHeaders(srv) }), 404, 'NoSuchAccount')
    const list = await api(srv, 'GET', '/api/admin/accounts', { headers: adminHeaders(srv) })
    expect(list.body.accounts.map((x: { id: string }) => x.id)).not.toContain(a.id)
    expect(await s3Error(s3.send(new ListBucketsCommand({})))).toEqual({ code: 'InvalidAccessKeyId', status: 403 })
    expectError(await api(srv, 'GET', '/api/v1/files', { headers: keyHeaders(a.apiKey) }), 401, 'Unauthorized')
    expectError(await api(srv, 'GET', '/api/me', { headers: { cookie: s.cookie } }), 401, 'Unauthorized')
    // The buckets no longer exist for anyone; their names can be taken again.
    const root = s3Client(srv.s3Url)
    for (const b of ['doomed-extra', a.bucket]) expect(await s3Error(root.send(new HeadBucketCommand({ Bucket: b })))).toEqual({ code: 'NotFound', status: 404 })
    await root.send(new CreateBucketCommand({ Bucket: 'doomed-extra' }))
    expect((await root.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toContain('doomed-extra')
    const after = (await api(srv, 'GET', '/api/admin/overview', { headers: adminHeaders(srv) })).body
    expect(after.accounts).toBe(before.accounts - 1)
    expect(after.storage.objects).toBe(before.storage.objects - 2)
    expect(after.storage.logicalBytes).toBe(before.storage.logicalBytes - 27)
    // Login is gone too.
    expectError(await api(srv, 'POST', '/api/auth/login', { json: { email: a.email, password: a.password } }), 401, 'InvalidCredentials')
  })

  test('the admin CLI sees API changes (same database)', async () => {
    const a = await createAccount(srv, { email: 'cli-visible@admin.test' })
    const out = await srv.admin('account', 'list', '--json')
    expect(out.code).toBe(0)
    const row = JSON.parse(out.stdout).accounts.find((x: { email: string }) => x.email === 'cli-visible@admin.test')
    expect(row).toMatchObject({ id: a.id, status: 'active' })
  })
})

describe('OpenAPI document', () => {
  test('/api/openapi.json is OpenAPI 3.0.3 and lists every route of the REST, dashboard and admin API', async () => {
    const r = await api(srv, 'GET', '/api/openapi.json')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toStartWith('application/json')
    const doc = r.body
    expect(doc.openapi).toBe('3.0.3')
    expect(typeof doc.info.title).toBe('string')
    expect(typeof doc.info.version).toBe('string')
    const expected: Record<string, string[]> = {
      '/api/auth/signup': ['post'],
      '/api/auth/login': ['post'],
      '/api/auth/logout': ['post'],
      '/api/auth/password': ['post'],
      '/api/me': ['get'],
      '/api/keys': ['get', 'post', 'delete'],
      '/api/buckets': ['get', 'post'],
      '/api/buckets/{name}': ['get', 'patch', 'delete'],
      '/api/v1/files': ['get', 'post'],
      '/api/v1/files/{id}': ['get', 'delete'],
      '/api/admin/overview': ['get'],
      '/api/admin/accounts': ['get', 'post'],
      '/api/admin/accounts/{id}': ['get', 'patch', 'delete'],
    }
    for (const [path, methods] of Object.entries(expected)) {
      expect({ path, methods: Object.keys(doc.paths[path] ?? {}).sort() }).toEqual({ path, methods: expect.arrayContaining(methods) })
      for (const m of methods) {
        const op = doc.paths[path][m]
        expect(typeof op.summary).toBe('string')
        expect(op.responses.default.content['application/json'].schema.$ref).toBe('#/components/schemas/Error')
        // Every path parameter in the template is declared.
        for (const p of path.match(/\{(\w+)\}/g) ?? []) {
          expect(op.parameters.some((x: { name: string; in: string; required: boolean }) => `{${x.name}}` === p && x.in === 'path' && x.required)).toBe(true)
        }
      }
    }
    // Every $ref resolves; every security requirement names a declared scheme.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? []
    for (const ref of refs) expect(doc.components.schemas[ref.split('/').pop()!]).toBeDefined()
    for (const methods of Object.values(doc.paths) as Array<Record<string, { security: Array<Record<string, unknown>> }>>) {
      for (const op of Object.values(methods)) for (const req of op.security) for (const name of Object.keys(req)) expect(doc.components.securitySchemes[name]).toBeDefined()
    }
    expect(doc.components.schemas.File.required.sort()).toEqual(['bucket', 'contentType', 'createdAt', 'id', 'key', 'size'])
    expect(doc.paths['/api/v1/files'].post.requestBody.content['multipart/form-data']).toBeDefined()
    expect(doc.paths['/api/v1/files'].post.security.map((s: object) => Object.keys(s)[0]).sort()).toEqual(['apiKey', 'bearerKey'])
  })

  test('/api/docs is an HTML page linking the document', async () => {
    const r = await fetch(`${srv.httpUrl}/api/docs`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toStartWith('text/html')
    const html = await r.text()
    expect(html).toContain('/api/openapi.json')
    expect(html).toContain('/api/v1/files/{id}')
  })
})
