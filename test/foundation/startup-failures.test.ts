/**
 * Startup failures an operator can cause: one clear line on stderr, exit 1, no stack trace, and
 * nothing in the data directory damaged (files byte-identical afterwards).
 */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { Database } from 'bun:sqlite'
import { chmodSync, copyFileSync, existsSync, mkdirSync, openSync, closeSync, writeSync, readdirSync, writeFileSync, readFileSync, statSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { MIGRATIONS } from '../../src/db/migrations'
import { startServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { expectOneLineError, runCli, serveArgs, sha256File, tempDir } from './util'

// These tests start real processes; on a loaded 2-core box a start can take seconds (hang guard).
setDefaultTimeout(120_000)

const tmp = tempDir('cs-startup-')
afterAll(() => tmp.cleanup())

let n = 0
const freshDir = () => join(tmp.dir, `d${n++}`)

/** A data dir with a real, migrated database holding one account (made by the admin CLI). */
async function populatedDataDir(): Promise<string> {
  const dir = freshDir()
  const r = await runCli(['admin', 'account', 'create', '--email', 'owner@test.local', '--password', 'owner-password-1', '--data', dir, '--init'])
  expect(r.code).toBe(0)
  return dir
}

/** Every file in a directory tree with its hash, to prove a failed start changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`)
      else out[`${rel}${e.name}`] = sha256File(join(d, e.name))
    }
  }
  walk(dir, '')
  return out
}

describe('data directory not usable', () => {
  test('a path below a regular file (mkdir fails even for root)', async () => {
    const file = join(tmp.dir, 'a-file')
    writeFileSync(file, 'not a directory')
    const r = await runCli(serveArgs(join(file, 'sub')))
    expect(expectOneLineError(r, 1)).toBe(`cloudstorage: data directory ${join(file, 'sub')} is not writable (ENOTDIR)`)
    expect(readFileSync(file, 'utf8')).toBe('not a directory')
  })

  test('the path is a regular file', async () => {
    const file = join(tmp.dir, 'b-file')
    writeFileSync(file, 'still a file')
    const r = await runCli(serveArgs(file))
    expect(expectOneLineError(r, 1)).toBe(`cloudstorage: data directory ${file} is not writable (EEXIST)`)
    expect(readFileSync(file, 'utf8')).toBe('still a file')
  })

  test('admin commands fail the same way (with --init; without it the path holds no data)', async () => {
    const file = join(tmp.dir, 'c-file')
    writeFileSync(file, '')
    const r = await runCli(['admin', 'account', 'list', '--data', join(file, 'x'), '--init'])
    expect(expectOneLineError(r, 1)).toBe(`cloudstorage: data directory ${join(file, 'x')} is not writable (ENOTDIR)`)
    const without = await runCli(['admin', 'account', 'list', '--data', join(file, 'x')])
    expect(expectOneLineError(without, 1)).toBe(`cloudstorage: no CloudStorage data in ${join(file, 'x')} (pass --init to create a new data directory there)`)
  })
})

describe('port already in use', () => {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  afterAll(() => listener.stop(true))

  test.each([
    ['--s3-port', 'the S3 endpoint'],
    ['--port', 'the HTTP API'],
  ])('%s taken → one line naming the listener and the address, exit 1', async (flag, what) => {
    const dir = freshDir()
    const args = serveArgs(dir).map((a, i, all) => (all[i - 1] === flag ? String(listener.port) : a))
    const r = await runCli(args, { env: { CLOUDSTORAGE_ROOT_EMAIL: 'root@test.local', CLOUDSTORAGE_ROOT_PASSWORD: 'root-password-1' } })
    expect(r.code).toBe(1)
    // stdout may carry the startup log (recovery); the error itself is one line on stderr.
    expect(r.stderr).toBe(`cloudstorage: cannot listen for ${what} on 127.0.0.1:${listener.port}: the port is already in use\n`)
    expect(r.stdout).not.toContain('ready')
  })

  // Generated credentials are printed once. A first start that dies on a busy port used to create
  // them and exit before printing: they were lost and nobody could log in.
  test('a first start that fails on the port does not consume the one-time credentials', async () => {
    const dir = freshDir()
    const busy = serveArgs(dir).map((a, i, all) => (all[i - 1] === '--s3-port' ? String(listener.port) : a))
    const failed = await runCli(busy)
    expect(failed.code).toBe(1)
    expect(failed.stdout).not.toContain('first start')
    const srv = await startServer({ dataDir: dir, env: { CLOUDSTORAGE_ROOT_EMAIL: '', CLOUDSTORAGE_ROOT_PASSWORD: '', CLOUDSTORAGE_ROOT_ACCESS_KEY: '', CLOUDSTORAGE_ROOT_SECRET_KEY: '' } })
    try {
      const out = srv.output()
      expect(out).toContain('CloudStorage: first start')
      const ak = /aws_access_key_id (CS[A-Z0-9]{18})/.exec(out)![1]
      const sk = /aws_secret_access_key ([A-Za-z0-9]{40})/.exec(out)![1]
      const list = await s3Client(srv.s3Url, { accessKeyId: ak, secretAccessKey: sk }).send(new ListBucketsCommand({}))
      expect(list.Buckets?.length).toBe(1)
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })
})

describe('corrupt database', () => {
  test('garbage bytes in cloudstorage.db → refused, file untouched, no side files', async () => {
    const dir = freshDir()
    mkdirSync(dir)
    const db = join(dir, 'cloudstorage.db')
    writeFileSync(db, randomBytes(16384))
    const before = snapshot(dir)
    const r = await runCli(serveArgs(dir))
    expect(expectOneLineError(r, 1)).toBe(`cloudstorage: database ${db} is not a CloudStorage database (corrupt or foreign file); restore it from a backup`)
    expect(snapshot(dir)).toEqual(before)
  })

  test('a SQLite file whose pages are damaged → refused with the finding, file untouched', async () => {
    const dir = await populatedDataDir()
    const db = join(dir, 'cloudstorage.db')
    // Keep page 1 (header and schema) intact; wreck the next pages.
    const fd = openSync(db, 'r+')
    writeSync(fd, Buffer.alloc(8192, 0xff), 0, 8192, 4096)
    closeSync(fd)
    const before = snapshot(dir)
    const r = await runCli(serveArgs(dir))
    const line = expectOneLineError(r, 1)
    expect(line).toStartWith(`cloudstorage: database ${db} is corrupt or unreadable (`)
    expect(line).toEndWith('); restore it from a backup')
    expect(line).not.toContain('***')
    expect(snapshot(dir)).toEqual(before)
  })

  test('the admin CLI refuses it too', async () => {
    const dir = freshDir()
    mkdirSync(dir)
    writeFileSync(join(dir, 'cloudstorage.db'), 'PK\x03\x04 a zip file, not SQLite')
    const r = await runCli(['admin', 'account', 'list', '--data', dir])
    expect(expectOneLineError(r, 1)).toContain('is not a CloudStorage database')
  })
})

describe('database schema newer than this binary', () => {
  const latest = MIGRATIONS[MIGRATIONS.length - 1].version

  test('serve and admin refuse with a clear line; the database file is unchanged', async () => {
    const dir = await populatedDataDir()
    const dbPath = join(dir, 'cloudstorage.db')
    const db = new Database(dbPath)
    db.run(`PRAGMA user_version = ${latest + 5}`)
    db.close()
    const before = snapshot(dir)
    const expected = `cloudstorage: the database schema is version ${latest + 5}, newer than this binary supports (${latest}); run a newer cloudstorage (downgrades are not supported)`
    expect(expectOneLineError(await runCli(serveArgs(dir)), 1)).toBe(expected)
    expect(expectOneLineError(await runCli(['admin', 'account', 'list', '--data', dir]), 1)).toBe(expected)
    expect(snapshot(dir)).toEqual(before)
    const check = new Database(dbPath, { readonly: true })
    expect((check.query('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(latest + 5)
    check.close()
  })

  test('an older schema is upgraded at start (user_version 0 with no tables = fresh)', async () => {
    const dir = freshDir()
    mkdirSync(dir)
    new Database(join(dir, 'cloudstorage.db')).close() // an empty SQLite file
    const r = await runCli(['admin', 'account', 'list', '--json', '--data', dir])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ accounts: [] })
    const db = new Database(join(dir, 'cloudstorage.db'), { readonly: true })
    expect((db.query('PRAGMA user_version').get() as { user_version: number }).user_version).toBe(latest)
    db.close()
  })
})

describe('master key problems', () => {
  test('a group- or world-readable master.key is refused with the fix in the message', async () => {
    const dir = await populatedDataDir()
    const key = join(dir, 'master.key')
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(key, mode)
      const r = await runCli(serveArgs(dir))
      expect(expectOneLineError(r, 1)).toBe(`cloudstorage: ${key} is readable by other users (mode ${mode.toString(8)}); run: chmod 600 ${key}`)
      expect(statSync(key).mode & 0o777).toBe(mode) // reported, not silently "fixed"
    }
  })

  test('a master key that does not match the stored secrets is refused (nothing is sealed under a second key)', async () => {
    const dir = await populatedDataDir()
    const before = snapshot(dir)
    const wrong = randomBytes(32).toString('base64')
    const line = 'cloudstorage: the master key from CLOUDSTORAGE_MASTER_KEY does not match this database (its stored secrets cannot be decrypted); start with the key the database was created with'
    expect(expectOneLineError(await runCli(serveArgs(dir), { env: { CLOUDSTORAGE_MASTER_KEY: wrong } }), 1)).toBe(line)
    const r = await runCli(['admin', 'account', 'create', '--email', 'second@test.local', '--password', 'second-password-1', '--data', dir], { env: { CLOUDSTORAGE_MASTER_KEY: wrong } })
    expect(expectOneLineError(r, 1)).toBe(line)
    expect(snapshot(dir)).toEqual(before)
  })

  test('a malformed CLOUDSTORAGE_MASTER_KEY is refused', async () => {
    const r = await runCli(serveArgs(freshDir()), { env: { CLOUDSTORAGE_MASTER_KEY: 'too-short' } })
    expect(expectOneLineError(r, 1)).toBe('cloudstorage: CLOUDSTORAGE_MASTER_KEY must hold a base64-encoded 32-byte key (got 6 bytes)')
  })

  test('a master key file that exists but holds no key', async () => {
    const dir = await populatedDataDir()
    const keyFile = join(tmp.dir, `empty-${n++}.key`)
    writeFileSync(keyFile, '', { mode: 0o600 })
    const r = await runCli([...serveArgs(dir), '--master-key-file', keyFile])
    expect(expectOneLineError(r, 1)).toBe(`cloudstorage: ${keyFile} must hold a base64-encoded 32-byte key (got 0 bytes)`)
  })
})

// The backup story in the README: the database plus its master key is a complete restore (the
// admin CLI checkpoints on exit, so no -wal file holds unmerged commits).
test('a copy of cloudstorage.db and master.key restores the accounts', async () => {
  const dir = await populatedDataDir()
  const copy = freshDir()
  mkdirSync(copy)
  for (const f of ['cloudstorage.db', 'master.key']) copyFileSync(join(dir, f), join(copy, f))
  chmodSync(join(copy, 'master.key'), 0o600)
  const r = await runCli(['admin', 'account', 'list', '--json', '--data', copy])
  expect(r.code).toBe(0)
  expect(JSON.parse(r.stdout).accounts.map((a: { email: string }) => a.email)).toEqual(['owner@test.local'])
  expect(existsSync(join(copy, 'cloudstorage.db-wal'))).toBe(false)
})
