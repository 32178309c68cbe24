/**
 * The data dir holds the master key, the admin token and every stored byte: it is created 0700
 * and everything in it is private (directories 0700, files 0600), SQLite's -wal and -shm
 * included, whatever umask the server is started with (a shell's usual 022 under `npm start`).
 */
import { test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { startServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { tempDir } from './util'

// A real server on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const tmp = tempDir('cs-perms-')
// The server inherits this process's umask: the permissive default of a login shell.
const umask = process.umask(0o022)
afterAll(() => {
  process.umask(umask)
  tmp.cleanup()
})

/** Every entry under `dir` (the dir itself as '.') whose mode is not 0700 (dirs) or 0600 (files). */
function notPrivate(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (path: string, rel: string) => {
    const s = statSync(path)
    const want = s.isDirectory() ? 0o700 : 0o600
    if ((s.mode & 0o777) !== want) out[rel] = (s.mode & 0o777).toString(8)
    if (s.isDirectory()) for (const e of readdirSync(path)) walk(join(path, e), rel === '.' ? e : `${rel}/${e}`)
  }
  walk(dir, '.')
  return out
}

test('a data dir created by serve is 0700 and every file in it 0600, while running and after a stop', async () => {
  const dataDir = join(tmp.dir, 'data')
  const srv = await startServer({ dataDir })
  try {
    await s3Client(srv.s3Url).send(new PutObjectCommand({ Bucket: 'root', Key: 'a.txt', Body: 'private bytes' }))
    const files = readdirSync(dataDir)
    for (const f of ['cloudstorage.db', 'cloudstorage.db-wal', 'cloudstorage.db-shm', 'master.key', 'admin.token', 'url-signing.key', 'server.json', 'cloudstorage.lock', 'blobs', 'tmp']) expect(files).toContain(f)
    const blobs = readdirSync(join(dataDir, 'blobs')).flatMap((d) => readdirSync(join(dataDir, 'blobs', d)))
    expect(blobs.length).toBe(1)
    expect(notPrivate(dataDir)).toEqual({})
  } finally {
    expect(await srv.stop()).toBe(0)
  }
  expect(notPrivate(dataDir)).toEqual({})
})
