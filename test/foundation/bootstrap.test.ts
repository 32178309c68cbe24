/** First start: the admin account and its first key pair, from CLOUDSTORAGE_ROOT_* or generated. */
import { describe, test, expect, afterAll, setDefaultTimeout } from 'bun:test'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { ROOT_ACCESS_KEY, ROOT_EMAIL, ROOT_PASSWORD, ROOT_SECRET_KEY, startServer } from '../helpers/server'
import { s3Client } from '../helpers/s3-client'
import { loadConfig } from '../../src/config/load'
import { createAppContext } from '../../src/app'
import { startJsonLogServer, tempDir } from './util'
import { hasTool, testWithTool } from '../helpers/tools'
import { runOk, toolEnv } from '../helpers/cli'

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
  let awsLines: string[] = []

  test('generates credentials and prints them once, with an AWS CLI profile, the TUI, the API docs and a password change', async () => {
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
      // The hint configures a "cloudstorage" profile (the operator's default profile is left
      // alone), with the same values, the region and this server's endpoint.
      expect(out).toContain('`aws configure --profile cloudstorage`')
      const aws = [
        `aws configure set aws_access_key_id ${accessKeyId} --profile cloudstorage`,
        `aws configure set aws_secret_access_key ${secretAccessKey} --profile cloudstorage`,
        'aws configure set region eu-central-1 --profile cloudstorage',
        `aws --profile cloudstorage --endpoint-url ${srv.s3Url} s3 ls`,
      ]
      for (const l of aws) expect(out).toContain(`  ${l}\n`)
      expect(out).toContain(`  cloudstorage tui --data ${dataDir}\n`)
      expect(out).toContain(`  npm run cli -- tui --data ${dataDir}   (from a source checkout)\n`)
      expect(out).toContain(`API docs:  ${srv.httpUrl}/api/docs\n`)
      expect((await fetch(`${srv.httpUrl}/api/docs`)).status).toBe(200)
      expect(out).toContain(`Web dashboard: ${srv.httpUrl}/   (log in with the admin account)\n`)
      expect((await fetch(`${srv.httpUrl}/`)).headers.get('content-type')).toStartWith('text/html')
      // Printed once, not repeated in the log.
      expect(out.split(secretAccessKey).length - 1).toBe(2)
      creds = { email, password, accessKeyId, secretAccessKey }
      const list = await s3Client(srv.s3Url, { accessKeyId, secretAccessKey }).send(new ListBucketsCommand({}))
      expect(list.Buckets?.map((b) => b.Name)).toEqual(['admin'])

      awsLines = aws

      // The password change command works as printed once the new password is filled in.
      const change = /^ {2}(curl -X POST \S+\/api\/auth\/password .*)$/m.exec(out)![1]
      expect(change).toContain(`"currentPassword":"${password}"`)
      const next = 'a-brand-new-password-1'
      const r = await runOk(['sh', '-c', change.replace('<new password>', next) + ' --silent --show-error'])
      expect(JSON.parse(r.stdout)).toEqual({ success: true })
      const login = await fetch(`${srv.httpUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: next }) })
      expect(login.status).toBe(200)
      // Back to the printed one, which the tests below use.
      const token = readFileSync(join(dataDir, 'admin.token'), 'utf8').trim()
      const back = await fetch(`${srv.httpUrl}/api/auth/password`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ currentPassword: next, newPassword: password }),
      })
      expect(back.status).toBe(200)
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

  testWithTool('aws', hasTool('aws'), 'the printed AWS CLI lines work as pasted, in a clean HOME with no credentials in the environment', async () => {
    const srv = await startServer({ dataDir, env: NO_ROOT_ENV })
    try {
      const home = join(tmp.dir, 'aws-home')
      mkdirSync(home)
      const env = toolEnv(home)
      for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_DEFAULT_REGION', 'AWS_REGION']) delete env[k]
      for (const l of awsLines.slice(0, 3)) await runOk(['sh', '-c', l], { env })
      // This start has new ephemeral ports; the command is otherwise the printed one.
      const ls = awsLines[3].replace(/--endpoint-url \S+/, `--endpoint-url ${srv.s3Url}`)
      expect((await runOk(['sh', '-c', ls], { env })).stdout).toMatch(/ admin\n$/)
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

test('--log-format json: the same first-start hints as fields of one record', async () => {
  const srv = await startJsonLogServer({ env: NO_ROOT_ENV })
  try {
    const rec = srv.output().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => String(l.msg).startsWith('first start'))
    expect(rec.awsConfigure).toEqual([
      `aws configure set aws_access_key_id ${rec.accessKey} --profile cloudstorage`,
      `aws configure set aws_secret_access_key ${rec.secretKey} --profile cloudstorage`,
      'aws configure set region eu-central-1 --profile cloudstorage',
      `aws --profile cloudstorage --endpoint-url ${srv.s3Url} s3 ls`,
    ])
    expect(rec.tui).toBe(`cloudstorage tui --data ${srv.dataDir}`)
    expect(rec.apiDocs).toBe(`${srv.httpUrl}/api/docs`)
    expect(rec.dashboard).toBe(`${srv.httpUrl}/`)
    expect(rec.changePassword).toBe(`curl -X POST ${srv.httpUrl}/api/auth/password -H "Authorization: Bearer $(cat ${srv.dataDir}/admin.token)" -H 'Content-Type: application/json' -d '{"currentPassword":"${rec.adminPassword}","newPassword":"<new password>"}'`)
  } finally {
    expect(await srv.stop()).toBe(0)
  }
})
