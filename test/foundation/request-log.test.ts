/** One log line per request, `--log-format json|text`, with the fields an operator greps for. */
import { describe, test, expect, beforeAll, afterAll, setDefaultTimeout } from 'bun:test'
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { ROOT_ACCESS_KEY, ROOT_SECRET_KEY, startInProcess, type TestServer } from '../helpers/server'
import { startJsonLogServer } from './util'
import { s3Client } from '../helpers/s3-client'
import { untilOutput } from '../helpers/output'

// Real servers on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const NASTY_KEY = 'dir/a b\nfake 200 line.txt'

/** Drives the same mix against a server; returns the x-amz-request-id of each request in order. */
type Running = Pick<TestServer, 's3Url' | 'output' | 'stop'>

async function workload(srv: Running) {
  const s3 = s3Client(srv.s3Url)
  const ids: Record<string, string> = {}
  const grab = (name: string) => (out: { $metadata: { requestId?: string } }) => (ids[name] = out.$metadata.requestId!)
  await s3.send(new ListBucketsCommand({})).then(grab('ListBuckets'))
  await s3.send(new CreateBucketCommand({ Bucket: 'logs' })).then(grab('CreateBucket'))
  await s3.send(new PutObjectCommand({ Bucket: 'logs', Key: NASTY_KEY, Body: 'twelve bytes' })).then(grab('PutObject'))
  await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: NASTY_KEY })).then(async (o) => {
    await o.Body!.transformToString()
    grab('GetObject')(o)
  })
  try {
    await s3.send(new HeadObjectCommand({ Bucket: 'logs', Key: 'missing' }))
  } catch (e) {
    ids.HeadMissing = (e as { $metadata: { requestId: string } }).$metadata.requestId
  }
  const anon = await fetch(`${srv.s3Url}/logs/x`)
  ids.Anonymous = anon.headers.get('x-amz-request-id')!
  await anon.text()
  const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'logs', Key: NASTY_KEY }), { expiresIn: 60 })
  const viaUrl = await fetch(presigned)
  expect(viaUrl.status).toBe(200)
  ids.Presigned = viaUrl.headers.get('x-amz-request-id')!
  await viaUrl.text()
  return { ids, presignedSignature: new URL(presigned).searchParams.get('X-Amz-Signature')! }
}

/** Waits until the request log has caught up with the requests just made (lines go out in order). */
async function settle(srv: Running, requestId: string) {
  await untilOutput(srv, requestId, `the log line of request ${requestId}`)
}

describe('--log-format json', () => {
  let srv: Running
  let lines: Array<Record<string, unknown>>
  let run: Awaited<ReturnType<typeof workload>>
  beforeAll(async () => {
    srv = await startJsonLogServer()
    run = await workload(srv)
    await settle(srv, run.ids.Presigned)
    lines = srv.output().trimEnd().split('\n').map((l) => JSON.parse(l))
  })
  afterAll(async () => {
    expect(await srv.stop()).toBe(0)
  })

  test('every stdout line is one JSON object, the first-start credentials included', () => {
    expect(lines.length).toBeGreaterThan(7)
    for (const l of lines) expect(typeof l).toBe('object')
    const first = lines.find((l) => String(l.msg).startsWith('first start'))
    expect(first).toMatchObject({ level: 'info', adminEmail: 'root@test.local', accessKey: ROOT_ACCESS_KEY, bucket: 'root' })
    // Operator-supplied secrets are not echoed, here either.
    expect(first).not.toHaveProperty('secretKey')
    expect(first).not.toHaveProperty('adminPassword')
    expect(JSON.stringify(lines)).not.toContain(ROOT_SECRET_KEY)
  })

  test('one line per request with method, path, status, bytes, ms, requestId, principal', () => {
    const byId = (id: string) => lines.filter((l) => l.requestId === id)
    const expectations: Array<[string, Record<string, unknown>]> = [
      ['ListBuckets', { method: 'GET', path: '/', status: 200, operation: 'ListBuckets', principal: ROOT_ACCESS_KEY, surface: 's3' }],
      ['CreateBucket', { method: 'PUT', path: '/logs/', status: 200, operation: 'CreateBucket', principal: ROOT_ACCESS_KEY }],
      ['PutObject', { method: 'PUT', path: `/logs/${NASTY_KEY}`, status: 200, operation: 'PutObject', principal: ROOT_ACCESS_KEY, bytesOut: 0 }],
      ['GetObject', { method: 'GET', path: `/logs/${NASTY_KEY}`, status: 200, operation: 'GetObject', principal: ROOT_ACCESS_KEY, bytesIn: 0, bytesOut: 12 }],
      ['HeadMissing', { method: 'HEAD', path: '/logs/missing', status: 404, operation: 'HeadObject', error: 'NoSuchKey', bytesOut: 0 }],
      ['Anonymous', { method: 'GET', path: '/logs/x', status: 403, principal: 'anonymous' }],
      ['Presigned', { method: 'GET', status: 200, operation: 'GetObject', principal: ROOT_ACCESS_KEY, bytesOut: 12 }],
    ]
    for (const [name, want] of expectations) {
      const found = byId(run.ids[name])
      expect(found).toHaveLength(1)
      expect(found[0]).toMatchObject(want)
      expect(typeof found[0].ms).toBe('number')
      expect(found[0].ms as number).toBeGreaterThanOrEqual(0)
      expect(found[0].time as string).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      expect(found[0].requestId as string).toMatch(/^[0-9A-F]{16}$/)
    }
    // The upload's body bytes are counted on the way in (the SDK may frame them as aws-chunked).
    expect(byId(run.ids.PutObject)[0].bytesIn as number).toBeGreaterThanOrEqual(12)
  })

  test('no query strings, signatures or secrets in the log', () => {
    const text = srv.output()
    expect(text).not.toContain(run.presignedSignature)
    expect(text).not.toContain('X-Amz-Signature')
    expect(text).not.toContain('X-Amz-Credential')
  })
})

describe('--log-format text (default)', () => {
  let srv: TestServer
  let run: Awaited<ReturnType<typeof workload>>
  beforeAll(async () => {
    srv = await startInProcess()
    run = await workload(srv)
    await settle(srv, run.ids.Presigned)
  })
  afterAll(async () => {
    expect(await srv.stop()).toBe(0)
  })

  const LINE = /^(\S+) ([0-9A-F]{16}) (\w+) ([A-Z]+) (\S+) (\d{3}) in=(\d+) out=(\d+) (\d+\.\d)ms op=(\w+) principal=(\S+)( error=\w+)?$/

  test('one line per request, each field in place', () => {
    for (const [name, id] of Object.entries(run.ids)) {
      const found = srv.output().split('\n').filter((l) => l.includes(` ${id} `))
      expect(found).toHaveLength(1)
      expect(found[0]).toMatch(LINE)
      const m = LINE.exec(found[0])!
      if (name === 'GetObject') expect([m[4], m[6], m[8], m[10], m[11]]).toEqual(['GET', '200', '12', 'GetObject', ROOT_ACCESS_KEY])
      if (name === 'HeadMissing') expect([m[4], m[5], m[6], m[12]]).toEqual(['HEAD', '/logs/missing', '404', ' error=NoSuchKey'])
      if (name === 'Anonymous') expect([m[6], m[11]]).toEqual(['403', 'anonymous'])
    }
  })

  // Health probes, metric scrapes and unknown paths on the HTTP port go through the same pipeline
  // as every other request: a request id, one log line, metrics.
  test('the HTTP port logs /healthz, /metrics and unknown paths like every request, with X-Request-Id', async () => {
    const probes: Array<[string, number, string]> = [['/healthz', 200, 'Health'], ['/metrics', 401, 'GetMetrics'], ['/no/such/page', 404, 'UnknownRoute']]
    for (const [path, status, op] of probes) {
      const res = await fetch(`${srv.httpUrl}${path}`)
      expect(res.status).toBe(status)
      const id = res.headers.get('x-request-id')!
      expect(id).toMatch(/^[0-9A-F]{16}$/)
      if (status !== 200) expect((await res.json()).error.requestId).toBe(id)
      else await res.text()
      await settle(srv, id)
      const found = srv.output().split('\n').filter((l) => l.includes(` ${id} `))
      expect(found).toHaveLength(1)
      const m = LINE.exec(found[0])!
      expect([m[3], m[4], m[5], m[6], m[10]]).toEqual(['system', 'GET', path, String(status), op])
    }
  })

  // A key with a newline used to be written raw: the request spanned two log lines and its tail
  // ("fake 200 line.txt …") read like a second request.
  test('a key with spaces and a newline stays on one line, percent-encoded', () => {
    const line = srv.output().split('\n').find((l) => l.includes(` ${run.ids.PutObject} `))!
    expect(line).toContain(' PUT /logs/dir/a%20b%0Afake%20200%20line.txt 200 ')
    expect(srv.output().split('\n').filter((l) => l.startsWith('fake 200'))).toEqual([])
  })
})
