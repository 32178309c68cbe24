/**
 * Healthy means ready: both ports answer `/healthz` 503 {"status":"starting"} (and every other
 * request a retryable 503 in the port's own format) until recovery and first-start setup are
 * done; the moment it says 200, every documented credential works. Once ready the server records
 * itself in `<data>/server.json`.
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, ROOT, cliCommand } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { bindListeners } from '../../src/server'
import { loadConfig } from '../../src/config/load'
import { VERSION } from '../../src/version'
import { cleanEnv, tempDir } from './util'
import { until } from '../helpers/wait'

// Real processes on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const tmp = tempDir('cs-ready-')
afterAll(() => tmp.cleanup())

function freePort(): number {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = l.port
  l.stop(true)
  return port
}

describe('while starting (the listeners before activation)', () => {
  const dataDir = join(tmp.dir, 'never-opened')
  const listeners = bindListeners(loadConfig({ '--data': dataDir, '--host': '127.0.0.1', '--s3-port': '0', '--port': '0' }, {}))
  const s3Url = `http://127.0.0.1:${listeners.s3Port}`
  const httpUrl = `http://127.0.0.1:${listeners.port}`
  afterAll(() => listeners.stop())

  test.each([['S3', () => s3Url], ['HTTP', () => httpUrl]])('/healthz on the %s port: 503 {"status":"starting"}', async (_, url) => {
    const res = await fetch(`${url()}/healthz`)
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('retry-after')).toBe('1')
    expect(await res.json()).toEqual({ status: 'starting' })
  })

  test('S3 requests get S3 XML 503 ServiceUnavailable with Retry-After (an SDK error it retries)', async () => {
    const res = await fetch(`${s3Url}/some-bucket/some-key`)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(res.headers.get('content-type')).toBe('application/xml')
    const xml = await res.text()
    expect(xml).toContain('<Code>ServiceUnavailable</Code>')
    expect(xml).toContain('<Resource>/some-bucket/some-key</Resource>')
    expect(xml).toContain(`<RequestId>${res.headers.get('x-amz-request-id')}</RequestId>`)
    const head = await fetch(`${s3Url}/some-bucket/some-key`, { method: 'HEAD' })
    expect([head.status, head.headers.get('x-amz-error-code'), await head.text()]).toEqual([503, 'ServiceUnavailable', ''])
    const sdk = s3Client(s3Url, undefined, { maxAttempts: 1 })
    expect(await sdkError(sdk.send(new ListBucketsCommand({})))).toEqual({ name: 'ServiceUnavailable', status: 503 })
    // A signed GET /healthz is ListObjects on a bucket named "healthz": an S3 error, not the probe.
    expect(await sdkError(sdk.send(new ListObjectsV2Command({ Bucket: 'healthz' })))).toEqual({ name: 'ServiceUnavailable', status: 503 })
  })

  test('HTTP API requests get a JSON 503 with Retry-After', async () => {
    const res = await fetch(`${httpUrl}/api/me`)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    const body = await res.json()
    expect(body.error).toMatchObject({ code: 'ServiceUnavailable', message: 'CloudStorage is starting; retry in a moment.' })
  })

  test('binding touches nothing in the data dir', () => {
    expect(existsSync(dataDir)).toBe(false)
  })
})

describe('a first start, watched from outside', () => {
  const dataDir = join(tmp.dir, 'first-start')
  const s3Port = freePort()
  const port = freePort()
  let out = ''
  const proc = Bun.spawn([...cliCommand(), 'serve', '--data', dataDir, '--host', '127.0.0.1', '--s3-port', String(s3Port), '--port', String(port)], {
    cwd: ROOT, stdout: 'pipe', stderr: 'pipe',
    env: cleanEnv({
      CLOUDSTORAGE_ROOT_EMAIL: ROOT_EMAIL, CLOUDSTORAGE_ROOT_PASSWORD: ROOT_PASSWORD,
      CLOUDSTORAGE_ROOT_ACCESS_KEY: ROOT_ACCESS_KEY, CLOUDSTORAGE_ROOT_SECRET_KEY: ROOT_SECRET_KEY, CLOUDSTORAGE_DISK_RESERVE: '0',
    }),
  })
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder()
    for await (const c of s) out += dec.decode(c, { stream: true })
  }
  void pump(proc.stdout as ReadableStream<Uint8Array>)
  void pump(proc.stderr as ReadableStream<Uint8Array>)
  afterAll(async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM')
    await proc.exited
  })

  /**
   * Polls `/healthz` from before the server listens until it says 200, then runs `whenOk` at
   * once. Every answer before that must be the "starting" one, with no server.json yet.
   */
  async function watch(url: string, whenOk: () => Promise<void>): Promise<number> {
    let starting = 0
    for (;;) {
      let res: Response
      try {
        res = await fetch(`${url}/healthz`)
      } catch {
        if (proc.exitCode !== null) throw new Error(`server exited:\n${out}`)
        await Bun.sleep(2) // not listening yet
        continue
      }
      const body = await res.json()
      if (res.status === 200) {
        await whenOk()
        expect(body).toEqual({ status: 'ok', version: VERSION })
        return starting
      }
      expect({ status: res.status, body }).toEqual({ status: 503, body: { status: 'starting' } })
      expect(existsSync(join(dataDir, 'server.json'))).toBe(false)
      starting++
      await Bun.sleep(2) // pacing only: the result is decided by the answers, not by time
    }
  }

  test('both ports say "starting" until the admin and its key exist; at the first 200 they work', async () => {
    const [s3Starting, httpStarting] = await Promise.all([
      watch(`http://127.0.0.1:${s3Port}`, async () => {
        const list = await s3Client(`http://127.0.0.1:${s3Port}`).send(new ListBucketsCommand({}))
        expect(list.Buckets?.map((b) => b.Name)).toEqual(['root'])
      }),
      watch(`http://127.0.0.1:${port}`, async () => {
        const me = await fetch(`http://127.0.0.1:${port}/api/me`, { headers: { 'x-api-key': `${ROOT_ACCESS_KEY}:${ROOT_SECRET_KEY}` } })
        expect(me.status).toBe(200)
        expect((await me.json()).account.email).toBe(ROOT_EMAIL)
      }),
    ])
    // First-start setup (hashing the admin password alone) takes far longer than one poll.
    expect(s3Starting).toBeGreaterThan(0)
    expect(httpStarting).toBeGreaterThan(0)
  })

  test('server.json: written 0600 once ready, with the pid, URLs and admin token path', async () => {
    await until(() => out.includes(' ready '), 'the ready line')
    const path = join(dataDir, 'server.json')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const info = JSON.parse(readFileSync(path, 'utf8'))
    expect(Object.keys(info).sort()).toEqual(['adminTokenPath', 'config', 'httpUrl', 'pid', 's3Url', 'startedAt', 'version'])
    expect(info).toMatchObject({
      pid: proc.pid, version: VERSION, s3Url: `http://127.0.0.1:${s3Port}`, httpUrl: `http://127.0.0.1:${port}`,
      adminTokenPath: join(dataDir, 'admin.token'), config: null,
    })
    expect(new Date(info.startedAt).toISOString()).toBe(info.startedAt)
    expect(readFileSync(info.adminTokenPath, 'utf8')).toStartWith('cst_')
    // Written through a temp file that was renamed: none is left over.
    expect(readdirSync(dataDir).filter((f) => f.includes('.tmp'))).toEqual([])
  })

  test('GET /healthz on the S3 port is logged as op=Health, not as a bucket listing', async () => {
    expect((await fetch(`http://127.0.0.1:${s3Port}/healthz`)).status).toBe(200)
    const line = () => out.split('\n').find((l) => / s3 GET \/healthz 200 /.test(l))
    await until(line, 'the request-log line') // the log is flushed on the next turn of the server's loop
    expect(line()).toMatch(/ op=Health principal=- *$/)
  })

  test('SIGTERM removes server.json', async () => {
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false)
  })
})
