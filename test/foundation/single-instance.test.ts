/**
 * One appliance per port and per data dir: a second `serve` on either fails at once with one
 * line and exit 1, before it touches anything (no port sharing, no second recovery, no files).
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { startServer, type ProcessTestServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { untilOutput } from '../helpers/output'
import { expectOneLineError, runCli, serveArgs, tempDir } from './util'

// Real processes on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const tmp = tempDir('cs-single-')
afterAll(() => tmp.cleanup())

/** A port that is free right now (the kernel's pick for port 0, released again). */
function freePort(): number {
  const l = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = l.port
  l.stop(true)
  return port
}

/** Every entry under `dir` (the dir itself included) with its type, size and mtime. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const add = (path: string, rel: string) => {
    const s = statSync(path)
    out[rel] = `${s.isDirectory() ? 'dir' : 'file'} size=${s.isDirectory() ? '-' : s.size} mtime=${s.mtimeMs}`
    if (s.isDirectory()) for (const e of readdirSync(path)) add(join(path, e), `${rel}/${e}`)
  }
  add(dir, '.')
  return out
}

describe('ports', () => {
  test('a second serve on the same S3 and HTTP ports exits 1 with one line; the first keeps serving', async () => {
    const s3Port = freePort()
    const port = freePort()
    const first = await startServer({ dataDir: join(tmp.dir, 'ports-a'), args: ['--s3-port', String(s3Port), '--port', String(port)] })
    try {
      expect(first.s3Url).toBe(`http://127.0.0.1:${s3Port}`)
      const otherData = join(tmp.dir, 'ports-b')
      const second = await runCli(serveArgs(otherData, '--s3-port', String(s3Port), '--port', String(port)))
      expect(expectOneLineError(second, 1)).toBe(`cloudstorage: cannot listen for the S3 endpoint on 127.0.0.1:${s3Port}: the port is already in use`)
      // Failing on the port, it left nothing behind: not even the data dir it would have made.
      expect(existsSync(otherData)).toBe(false)

      // Only the HTTP port taken (the S3 port free): the same, naming the HTTP API.
      const third = await runCli(serveArgs(join(tmp.dir, 'ports-c'), '--port', String(port)))
      expect(expectOneLineError(third, 1)).toBe(`cloudstorage: cannot listen for the HTTP API on 127.0.0.1:${port}: the port is already in use`)

      const s3 = s3Client(first.s3Url)
      for (let i = 0; i < 5; i++) expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['root'])
      expect(first.proc.exitCode).toBeNull()
    } finally {
      expect(await first.stop()).toBe(0)
    }
  })
})

describe('data directory', () => {
  const dataDir = join(tmp.dir, 'shared')

  test('a second serve on the same data dir names the holder and exits 1, changing nothing there', async () => {
    const first = await startServer({ dataDir })
    try {
      await untilOutput(first, 'gc startup sweep finished') // its first GC pass, after which it is quiet for a minute
      // A write in progress on the first server: a second server's recovery would delete it.
      const inflight = join(dataDir, 'tmp', 'inflight-upload.0001')
      writeFileSync(inflight, 'bytes of an upload in progress')
      const before = listing(dataDir)
      expect(Object.keys(before)).toContain('./cloudstorage.lock')

      const second = await runCli(serveArgs(dataDir))
      expect(expectOneLineError(second, 1)).toBe(`cloudstorage: data directory ${dataDir} is in use by another cloudstorage server (pid ${first.proc.pid}); stop it first, or use another --data`)
      expect(listing(dataDir)).toEqual(before)
      expect(readFileSync(inflight, 'utf8')).toBe('bytes of an upload in progress')

      // The admin CLI does not take the server's lock: it works next to the running server.
      const list = await first.admin('account', 'list', '--json')
      expect(list.code).toBe(0)
      expect(JSON.parse(list.stdout).accounts).toHaveLength(1)
      expect(first.proc.exitCode).toBeNull()
    } finally {
      expect(await first.stop()).toBe(0)
    }
    // A clean stop removes the lock file and server.json.
    expect(existsSync(join(dataDir, 'cloudstorage.lock'))).toBe(false)
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false)
  })

  test('the lock dies with its holder: after kill -9 the next server starts at once', async () => {
    const killed = await startServer({ dataDir })
    expect(await killed.stop('SIGKILL')).not.toBe(0)
    // What kill -9 leaves behind does not block the next start.
    expect(existsSync(join(dataDir, 'cloudstorage.lock'))).toBe(true)
    const next = await startServer({ dataDir })
    try {
      expect(readFileSync(join(dataDir, 'cloudstorage.lock'), 'utf8')).toBe(`${next.proc.pid}\n`)
      expect(JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')).pid).toBe(next.proc.pid)
      expect((await s3Client(next.s3Url).send(new ListBucketsCommand({}))).Buckets?.length).toBe(1)
    } finally {
      expect(await next.stop()).toBe(0)
    }
  })
})
