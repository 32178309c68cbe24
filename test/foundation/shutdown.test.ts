/**
 * SIGTERM / SIGINT: stop accepting, let in-flight requests finish (bounded), close the database,
 * exit 0. An upload in progress when the signal arrives completes and is durable; one that stalls
 * does not keep the process alive forever and leaves nothing half-written.
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { startServer, type TestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { tempDir } from './util'

// Real servers; the stalled-upload case waits for the server's own drain bound (hang guard only).
setDefaultTimeout(120_000)

const tmp = tempDir('cs-shutdown-')
afterAll(() => tmp.cleanup())

/** Waits for a condition the test cannot be notified of (a file appearing, a process exiting). */
async function until(what: string, cond: () => boolean) {
  for (let i = 0; i < 2400; i++) {
    if (cond()) return
    await Bun.sleep(25)
  }
  throw new Error(`gave up waiting for ${what}`)
}

/**
 * A PUT through a presigned URL whose body the test feeds by hand, so the request is provably in
 * flight (headers sent, body incomplete) when the server gets its signal.
 */
async function manualUpload(srv: TestServer, key: string, size: number) {
  const url = new URL(await getSignedUrl(s3Client(srv.s3Url), new PutObjectCommand({ Bucket: 'root', Key: key }), { expiresIn: 600 }))
  let done: (v: { status: number; body: string }) => void
  let failed: (e: Error) => void
  const response = new Promise<{ status: number; body: string }>((res, rej) => ((done = res), (failed = rej)))
  const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'PUT', headers: { 'content-length': String(size) } }, (res) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (c) => (body += c))
    res.on('end', () => done({ status: res.statusCode ?? 0, body }))
  })
  req.on('error', (e) => failed(e))
  return {
    write: (chunk: Buffer) => new Promise<void>((res) => req.write(chunk, () => res())),
    end: () => req.end(),
    destroy: () => req.destroy(),
    response,
  }
}

const tmpFiles = (dataDir: string) => (existsSync(join(dataDir, 'tmp')) ? readdirSync(join(dataDir, 'tmp')) : [])

describe('signals', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('%s → clean stop, exit 0, database closed', async (signal) => {
    const dataDir = join(tmp.dir, signal)
    const srv = await startServer({ dataDir })
    await s3Client(srv.s3Url).send(new PutObjectCommand({ Bucket: 'root', Key: 'k', Body: 'v' }))
    expect(await srv.stop(signal)).toBe(0)
    expect(srv.output()).toContain(`shutting down signal=${signal}`)
    expect(srv.output()).not.toMatch(/ERROR|unexpected error/)
    // Closing checkpointed the WAL into the main file: nothing left to replay.
    expect(existsSync(join(dataDir, 'cloudstorage.db-wal'))).toBe(false)
  })
})

describe('in-flight requests', () => {
  test('an upload in progress at SIGTERM completes, is acknowledged and survives the restart', async () => {
    const dataDir = join(tmp.dir, 'inflight')
    const srv = await startServer({ dataDir })
    const chunk = Buffer.alloc(64 * 1024, 'z')
    const chunks = 16
    const up = await manualUpload(srv, 'slow.bin', chunk.length * chunks)
    await up.write(chunk)
    // The blob store has opened its temp file: the request is inside the server.
    await until('the upload to reach the blob store', () => tmpFiles(dataDir).length > 0)
    srv.proc.kill('SIGTERM')
    for (let i = 1; i < chunks; i++) {
      await Bun.sleep(20)
      await up.write(chunk)
    }
    up.end()
    const res = await up.response
    expect(res.status).toBe(200)
    expect(await srv.proc.exited).toBe(0)
    expect(tmpFiles(dataDir)).toEqual([])

    const again = await startServer({ dataDir })
    try {
      const got = await s3Client(again.s3Url).send(new GetObjectCommand({ Bucket: 'root', Key: 'slow.bin' }))
      const bytes = Buffer.from(await got.Body!.transformToByteArray())
      expect(bytes.length).toBe(chunk.length * chunks)
      expect(bytes.equals(Buffer.alloc(chunk.length * chunks, 'z'))).toBe(true)
    } finally {
      expect(await again.stop()).toBe(0)
    }
  })

  test('no new connections are accepted once stopping', async () => {
    const dataDir = join(tmp.dir, 'refuse')
    const srv = await startServer({ dataDir })
    const up = await manualUpload(srv, 'hold.bin', 2)
    await up.write(Buffer.from('a'))
    await until('the upload to reach the blob store', () => tmpFiles(dataDir).length > 0)
    srv.proc.kill('SIGTERM')
    await until('the server to log its shutdown', () => srv.output().includes('shutting down'))
    // Bun closes the listening socket at stop(): a new connection is refused outright.
    let refused = false
    try {
      await fetch(`${srv.httpUrl}/healthz`)
    } catch {
      refused = true
    }
    expect(refused).toBe(true)
    await up.write(Buffer.from('b'))
    up.end()
    expect((await up.response).status).toBe(200)
    expect(await srv.proc.exited).toBe(0)
  })

  test('a stalled upload does not hold the process forever, and leaves no object or temp file', async () => {
    const dataDir = join(tmp.dir, 'stalled')
    const srv = await startServer({ dataDir })
    const up = await manualUpload(srv, 'stalled.bin', 1024 * 1024)
    up.response.catch(() => {}) // the server drops it: the client sees a reset
    await up.write(Buffer.alloc(1000, 'x'))
    await until('the upload to reach the blob store', () => tmpFiles(dataDir).length > 0)
    srv.proc.kill('SIGTERM')
    // The body never completes; the drain is bounded, so the process still exits cleanly.
    expect(await srv.proc.exited).toBe(0)
    up.destroy()

    const again = await startServer({ dataDir })
    try {
      expect(tmpFiles(dataDir)).toEqual([]) // cleaned on abort, or by startup recovery
      const err = await s3Client(again.s3Url).send(new HeadObjectCommand({ Bucket: 'root', Key: 'stalled.bin' })).catch((e) => e)
      expect(err?.$metadata?.httpStatusCode).toBe(404)
    } finally {
      expect(await again.stop()).toBe(0)
    }
  })
})
