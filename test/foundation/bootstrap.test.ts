/** First start: the admin account and its first key pair, from CLOUDSTORAGE_ROOT_* or generated. */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { join } from 'node:path'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, startServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { loadConfig } from '../../src/config/load'
import { createAppContext } from '../../src/app'
import { tempDir } from './util'

// Real servers on a shared 2-core box; a hang guard, not a performance limit.
setDefaultTimeout(120_000)

const tmp = tempDir('cs-bootstrap-')
afterAll(() => tmp.cleanup())

const NO_ROOT_ENV = { CLOUDSTORAGE_ROOT_EMAIL: '', CLOUDSTORAGE_ROOT_PASSWORD: '', CLOUDSTORAGE_ROOT_ACCESS_KEY: '', CLOUDSTORAGE_ROOT_SECRET_KEY: '' }

describe('with CLOUDSTORAGE_ROOT_*', () => {
  const dataDir = join(tmp.dir, 'env')

  test('creates that admin and key pair; they work against S3 at once', async () => {
    const srv = await startServer({ dataDir })
    try {
      const out = srv.output()
      expect(out).toContain(`Admin account:   ${ROOT_EMAIL}`)
      expect(out).toContain(`Access key:      ${ROOT_ACCESS_KEY}`)
      expect(out).toContain('Secret key:      (from CLOUDSTORAGE_ROOT_SECRET_KEY)')
      expect(out).toContain('Admin password:  (from CLOUDSTORAGE_ROOT_PASSWORD)')
      // Secrets the operator supplied are never echoed.
      expect(out).not.toContain(ROOT_SECRET_KEY)
      expect(out).not.toContain(ROOT_PASSWORD)
      const list = await s3Client(srv.s3Url).send(new ListBucketsCommand({}))
      expect(list.Owner?.ID).toBeDefined()
      expect(list.Buckets?.map((b) => b.Name)).toEqual(['root'])
      const accounts = JSON.parse((await srv.admin('account', 'list', '--json')).stdout).accounts
      expect(accounts.map((a: { email: string; isAdmin: boolean }) => [a.email, a.isAdmin])).toEqual([[ROOT_EMAIL, true]])
      const keys = JSON.parse((await srv.admin('key', 'list', '--email', ROOT_EMAIL, '--json')).stdout).keys
      expect(keys.map((k: { accessKey: string }) => k.accessKey)).toEqual([ROOT_ACCESS_KEY])
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })

  test('only the first start bootstraps: changed ROOT_* values later create nothing', async () => {
    const srv = await startServer({ dataDir, env: { CLOUDSTORAGE_ROOT_EMAIL: 'other@test.local', CLOUDSTORAGE_ROOT_ACCESS_KEY: 'CSOTHERROOTKEY000001' } })
    try {
      expect(srv.output()).not.toContain('first start')
      const accounts = JSON.parse((await srv.admin('account', 'list', '--json')).stdout).accounts
      expect(accounts.map((a: { email: string }) => a.email)).toEqual([ROOT_EMAIL])
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })
})

describe('without CLOUDSTORAGE_ROOT_*', () => {
  const dataDir = join(tmp.dir, 'generated')
  let creds: { email: string; password: string; accessKeyId: string; secretAccessKey: string }

  test('generates credentials and prints them once with a ready-to-paste aws configure hint', async () => {
    const srv = await startServer({ dataDir, env: NO_ROOT_ENV })
    try {
      const out = srv.output()
      expect(out).toContain('CloudStorage: first start')
      const email = /Admin account:\s+(\S+)/.exec(out)![1]
      const password = /Admin password:\s+(\S+)\s+\(shown once/.exec(out)![1]
      const accessKeyId = /Access key:\s+(\S+)/.exec(out)![1]
      const secretAccessKey = /Secret key:\s+(\S+)\s+\(shown once/.exec(out)![1]
      expect(email).toBe('admin@cloudstorage.local')
      expect(password.length).toBeGreaterThanOrEqual(16)
      expect(accessKeyId).toMatch(/^CS[A-Z0-9]{18}$/)
      expect(secretAccessKey).toMatch(/^[A-Za-z0-9]{40}$/)
      // The hint is literally runnable: the same values, the region and this server's endpoint.
      expect(out).toContain(`  aws configure set aws_access_key_id ${accessKeyId}\n`)
      expect(out).toContain(`  aws configure set aws_secret_access_key ${secretAccessKey}\n`)
      expect(out).toContain('  aws configure set region eu-central-1\n')
      expect(out).toContain(`  aws --endpoint-url ${srv.s3Url} s3 ls\n`)
      // Printed once, not repeated in the log.
      expect(out.split(secretAccessKey).length - 1).toBe(2)
      creds = { email, password, accessKeyId, secretAccessKey }
      const list = await s3Client(srv.s3Url, { accessKeyId, secretAccessKey }).send(new ListBucketsCommand({}))
      expect(list.Buckets?.map((b) => b.Name)).toEqual(['admin'])
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })

  test('a second start prints nothing new and the generated credentials keep working', async () => {
    const srv = await startServer({ dataDir, env: NO_ROOT_ENV })
    try {
      const out = srv.output()
      expect(out).not.toContain('first start')
      expect(out).not.toContain(creds.secretAccessKey)
      expect(out).not.toContain(creds.password)
      const list = await s3Client(srv.s3Url, creds).send(new ListBucketsCommand({}))
      expect(list.Buckets?.length).toBe(1)
      const accounts = JSON.parse((await srv.admin('account', 'list', '--json')).stdout).accounts
      expect(accounts).toHaveLength(1)
    } finally {
      expect(await srv.stop()).toBe(0)
    }
  })

  test('the printed password is the admin password (argon2id hash, not the clear text, stored)', async () => {
    const ctx = createAppContext(loadConfig({ '--data': dataDir }, {}))
    try {
      const account = await ctx.services.accounts.login(creds.email, creds.password, '127.0.0.1')
      expect(account.isAdmin).toBe(true)
      expect(account.passwordHash).toStartWith('$argon2id$')
      await expect(ctx.services.accounts.login(creds.email, creds.password + 'x', '127.0.0.1')).rejects.toMatchObject({ code: 'InvalidCredentials' })
    } finally {
      ctx.db.close()
    }
  })
})
