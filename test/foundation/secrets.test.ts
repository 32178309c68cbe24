/**
 * Secrets at rest: the master key file, CLOUDSTORAGE_MASTER_KEY, and a database (and log) that
 * never hold a secret access key or password in clear, checked on the raw file bytes.
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ListBucketsCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { ROOT_PASSWORD, ROOT_SECRET_KEY, startServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { expectOneLineError, runCli, serveArgs, tempDir } from './util'
import { logSettled } from '../helpers/output'

// Real servers on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const tmp = tempDir('cs-secrets-')
afterAll(() => tmp.cleanup())

/** The database's bytes as SQLite keeps them: main file plus WAL (recent commits live there). */
function dbBytes(dataDir: string): Buffer {
  const parts = ['cloudstorage.db', 'cloudstorage.db-wal'].map((f) => join(dataDir, f)).filter(existsSync).map((p) => readFileSync(p))
  return Buffer.concat(parts)
}

function expectAbsent(haystack: Buffer, needles: string[]) {
  for (const s of needles) {
    expect(haystack.includes(Buffer.from(s, 'utf8'))).toBe(false)
    expect(haystack.includes(Buffer.from(s, 'utf16le'))).toBe(false)
    expect(haystack.includes(Buffer.from(s).toString('base64'))).toBe(false)
  }
}

describe('master key in the data dir', () => {
  const dataDir = join(tmp.dir, 'file-key')
  const extraSecret = 'extraSecretKey0000000000000000000000000001'
  const userPassword = 'user-password-0000001'

  test('created 0600 on first start; secrets and passwords never reach the database or log in clear', async () => {
    const srv = await startServer({ dataDir })
    try {
      const key = join(dataDir, 'master.key')
      expect(statSync(key).mode & 0o777).toBe(0o600)
      expect(Buffer.from(readFileSync(key, 'utf8').trim(), 'base64').length).toBe(32)
      const created = await srv.admin('account', 'create', '--email', 'user@test.local', '--password', userPassword, '--access-key', 'CSEXTRAKEY0000000001', '--secret-key', extraSecret)
      expect(created.code).toBe(0)
      const s3 = s3Client(srv.s3Url)
      await s3.send(new ListBucketsCommand({}))
      await s3.send(new PutObjectCommand({ Bucket: 'root', Key: 'hello.txt', Body: 'hello' }))
      await s3Client(srv.s3Url, { accessKeyId: 'CSEXTRAKEY0000000001', secretAccessKey: extraSecret }).send(new ListBucketsCommand({}))
      // While running (recent commits are in the WAL) ...
      expectAbsent(dbBytes(dataDir), [ROOT_SECRET_KEY, extraSecret, ROOT_PASSWORD, userPassword])
      // ... and nothing secret in the request log: no secret, no signature, no Authorization.
      // (The log is written in batches: settle it first, or the checks below could pass on a
      // log that simply has not arrived yet, and the first could fail.)
      const log = await logSettled(srv)
      expect(log).toContain('op=PutObject')
      for (const s of [ROOT_SECRET_KEY, extraSecret, ROOT_PASSWORD, userPassword, 'Signature=', 'AWS4-HMAC-SHA256']) expect(log).not.toContain(s)
    } finally {
      expect(await srv.stop()).toBe(0)
    }
    // ... and after the final checkpoint.
    expectAbsent(dbBytes(dataDir), [ROOT_SECRET_KEY, extraSecret, ROOT_PASSWORD, userPassword])
    expect(readFileSync(join(dataDir, 'cloudstorage.db')).includes(Buffer.from('CSEXTRAKEY0000000001'))).toBe(true) // ids are not secret: the grep itself works
  })

  test('a restored database without its master.key is refused, and no new key is made up', async () => {
    const key = join(dataDir, 'master.key')
    renameSync(key, join(tmp.dir, 'master.key.bak'))
    const r = await runCli(serveArgs(dataDir))
    expect(expectOneLineError(r, 1)).toBe(`cloudstorage: master key ${key} is missing, but the database holds secrets sealed with one; restore the key from your backup or set CLOUDSTORAGE_MASTER_KEY`)
    expect(existsSync(key)).toBe(false)
    renameSync(join(tmp.dir, 'master.key.bak'), key)
    const srv = await startServer({ dataDir })
    try {
      await s3Client(srv.s3Url, { accessKeyId: 'CSEXTRAKEY0000000001', secretAccessKey: extraSecret }).send(new ListBucketsCommand({}))
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })
})

describe('CLOUDSTORAGE_MASTER_KEY', () => {
  const dataDir = join(tmp.dir, 'env-key')
  const masterKey = randomBytes(32).toString('base64')

  test('is used instead of a file: no master.key is written, and restarts with it work', async () => {
    for (let i = 0; i < 2; i++) {
      const srv = await startServer({ dataDir, env: { CLOUDSTORAGE_MASTER_KEY: masterKey } })
      try {
        expect((await s3Client(srv.s3Url).send(new ListBucketsCommand({}))).Buckets?.length).toBe(1)
        // The admin CLI uses the same key from the same environment.
        expect((await srv.admin('key', 'list', '--email', 'root@test.local')).code).toBe(0)
      } finally {
        expect(await srv.stop()).toBe(0)
      }
      expect(existsSync(join(dataDir, 'master.key'))).toBe(false)
    }
    expect(dbBytes(dataDir).includes(Buffer.from(ROOT_SECRET_KEY))).toBe(false)
  })

  test('starting the same database without it is refused rather than creating a second key', async () => {
    const r = await runCli(serveArgs(dataDir))
    expect(expectOneLineError(r, 1)).toContain('is missing, but the database holds secrets sealed with one')
    expect(existsSync(join(dataDir, 'master.key'))).toBe(false)
  })
})

describe('--master-key-file', () => {
  test('creates and uses the key at that path, not in the data dir', async () => {
    const dataDir = join(tmp.dir, 'flag-key')
    const keyFile = join(tmp.dir, 'cloudstorage-master.key')
    const srv = await startServer({ dataDir, args: ['--master-key-file', keyFile] })
    try {
      expect(statSync(keyFile).mode & 0o777).toBe(0o600)
      expect(existsSync(join(dataDir, 'master.key'))).toBe(false)
      await s3Client(srv.s3Url).send(new ListBucketsCommand({}))
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })
})
