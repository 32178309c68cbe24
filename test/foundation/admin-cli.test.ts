/**
 * `cloudstorage admin …` against a RUNNING server's data dir: every command, its --json document,
 * errors on stderr with a non-zero exit, and changes visible to the server at once.
 */
import { describe, test, expect, beforeAll, afterAll, setDefaultTimeout } from 'bun:test'
import { ListBucketsCommand } from '@aws-sdk/client-s3'
import { ROOT_EMAIL, ROOT_ACCESS_KEY, startInProcess, type TestServer } from '../helpers/server'
import { s3Client, sdkError } from '../helpers/s3-client'
import { logSettled } from '../helpers/output'
import { ADMIN_COMMAND_USAGE } from '../../src/cli/usage'

// Each admin command is a process start on a shared 2-core box (hang guard only).
setDefaultTimeout(120_000)

let srv: TestServer
beforeAll(async () => {
  srv = await startInProcess()
})
afterAll(async () => {
  expect(await srv.stop()).toBe(0)
})

/** Runs an admin command that must succeed and print one JSON document. */
async function adminJson(...args: string[]): Promise<any> {
  const r = await srv.admin(...args, '--json')
  if (r.code !== 0) throw new Error(`admin ${args.join(' ')} exited ${r.code}: ${r.stderr}`)
  expect(r.stderr).toBe('')
  return JSON.parse(r.stdout)
}

/** Runs an admin command that must fail: exit 1, one line on stderr, nothing on stdout. */
async function adminFails(...args: string[]): Promise<string> {
  const r = await srv.admin(...args)
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' })
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]
}

const listBuckets = (creds: { accessKeyId: string; secretAccessKey: string }) => s3Client(srv.s3Url, creds).send(new ListBucketsCommand({}))


describe('accounts', () => {
  test('account create --json: the account, its first key pair and default bucket; usable on S3 at once', async () => {
    const doc = await adminJson('account', 'create', '--email', 'alice@test.local', '--password', 'alice-password-1', '--quota', '2GiB')
    expect(Object.keys(doc).sort()).toEqual(['accessKey', 'account', 'bucket', 'secretKey'])
    expect(doc.account).toMatchObject({ email: 'alice@test.local', isAdmin: false, status: 'active', quotaBytes: 2 * 2 ** 30, usage: { bytes: 0, objects: 0 } })
    expect(doc.account.id).toMatch(/^[0-9A-Z]{26}$/)
    expect(doc.accessKey).toMatch(/^CS[A-Z0-9]{18}$/)
    expect(doc.secretKey).toMatch(/^[A-Za-z0-9]{40}$/)
    const list = await listBuckets({ accessKeyId: doc.accessKey, secretAccessKey: doc.secretKey })
    expect(list.Buckets?.map((b) => b.Name)).toEqual([doc.bucket])
  })

  test('account create with a known key pair and --admin', async () => {
    const doc = await adminJson('account', 'create', '--email', 'ops@test.local', '--password', 'ops-password-12', '--admin', '--access-key', 'CSOPSKEY000000000001', '--secret-key', 'opsSecretKey0000000000000000000000000001')
    expect(doc.account.isAdmin).toBe(true)
    expect(doc.accessKey).toBe('CSOPSKEY000000000001')
    expect(doc.secretKey).toBe('opsSecretKey0000000000000000000000000001')
    await listBuckets({ accessKeyId: 'CSOPSKEY000000000001', secretAccessKey: 'opsSecretKey0000000000000000000000000001' })
  })

  test('account create without --json prints the key pair for a human', async () => {
    const r = await srv.admin('account', 'create', '--email', 'bob@test.local', '--password', 'bob-password-12')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Created account bob@test\.local\nAccess key: CS[A-Z0-9]{18}\nSecret key: [A-Za-z0-9]{40}\nDefault bucket: \S+\n$/)
  })

  test('account list --json and the text table', async () => {
    const { accounts } = await adminJson('account', 'list')
    expect(accounts.map((a: any) => [a.email, a.isAdmin])).toEqual([[ROOT_EMAIL, true], ['alice@test.local', false], ['ops@test.local', true], ['bob@test.local', false]])
    for (const a of accounts) expect(Object.keys(a).sort()).toEqual(['createdAt', 'email', 'id', 'isAdmin', 'plan', 'quotaBytes', 'status', 'usage'])
    // Nothing secret in a listing.
    expect(JSON.stringify(accounts)).not.toMatch(/password|secret|argon2/i)
    const text = await srv.admin('account', 'list')
    expect(text.code).toBe(0)
    const rows = text.stdout.trimEnd().split('\n')
    expect(rows[0]).toMatch(/^EMAIL\s+ADMIN\s+STATUS\s+PLAN\s+USED_BYTES\s+QUOTA_BYTES\s+OBJECTS\s+CREATED$/)
    expect(rows).toHaveLength(5)
    expect(rows.find((r) => r.startsWith('alice@test.local'))).toMatch(/^alice@test\.local\s+no\s+active\s+default\s+0\s+2147483648\s+0\s+\d{4}-/)
  })

  test.each([
    [['account', 'create', '--email', 'alice@test.local', '--password', 'another-password-1'], 'cloudstorage: AccountAlreadyExists: An account with this email already exists.'],
    [['account', 'create', '--email', 'ALICE@test.local', '--password', 'another-password-1'], 'cloudstorage: AccountAlreadyExists: An account with this email already exists.'],
    [['account', 'create', '--email', 'not-an-email', '--password', 'long-enough-pw'], "cloudstorage: InvalidEmail: 'not-an-email' is not a valid email address."],
    [['account', 'create', '--email', 'weak@test.local', '--password', 'short'], 'cloudstorage: WeakPassword: The password must be at least 10 characters long.'],
    [['account', 'create', '--email', 'dup@test.local', '--password', 'long-enough-pw', '--access-key', ROOT_ACCESS_KEY, '--secret-key', 'x'.repeat(40)], 'cloudstorage: InvalidArgument: That access key id is already in use.'],
  ].map(([args, line]) => [(args as string[]).join(' '), args, line] as [string, string[], string]))('%s', async (_, args, line) => {
    expect(await adminFails(...args)).toBe(line)
  })

  test('an unknown plan is refused, naming the plan', async () => {
    const line = await adminFails('account', 'create', '--email', 'plan@test.local', '--password', 'long-enough-pw', '--plan', 'gold')
    expect(line).toStartWith('cloudstorage: ')
    expect(line).toContain("Unknown plan 'gold'.")
  })

  test('a failed create leaves no half account behind', async () => {
    const { accounts } = await adminJson('account', 'list')
    expect(accounts.map((a: any) => a.email)).not.toContain('dup@test.local')
  })
})

describe('keys', () => {
  let alice: { accessKeyId: string; secretAccessKey: string }

  test('key create --json: works on S3 immediately, secret shown once', async () => {
    const doc = await adminJson('key', 'create', '--email', 'alice@test.local', '--name', 'laptop')
    expect(Object.keys(doc).sort()).toEqual(['accessKey', 'createdAt', 'name', 'secretKey'])
    expect(doc.name).toBe('laptop')
    alice = { accessKeyId: doc.accessKey, secretAccessKey: doc.secretKey }
    expect((await listBuckets(alice)).Buckets?.length).toBe(1)
  })

  test('key list --json never shows secrets', async () => {
    const r = await srv.admin('key', 'list', '--email', 'alice@test.local', '--json')
    expect(r.code).toBe(0)
    const { keys } = JSON.parse(r.stdout)
    expect(keys.map((k: any) => k.name)).toEqual(['default', 'laptop'])
    for (const k of keys) expect(Object.keys(k).sort()).toEqual(['accessKey', 'createdAt', 'id', 'lastUsedAt', 'name'])
    expect(r.stdout).not.toContain(alice.secretAccessKey)
    const text = await srv.admin('key', 'list', '--email', 'alice@test.local')
    expect(text.stdout).toMatch(/^ACCESS_KEY\s+NAME\s+CREATED\s+LAST_USED\n/)
    expect(text.stdout).toContain(alice.accessKeyId)
    expect(text.stdout).not.toContain(alice.secretAccessKey)
  })

  test('key revoke: the running server refuses the key at once (403 InvalidAccessKeyId)', async () => {
    const r = await srv.admin('key', 'revoke', '--access-key', alice.accessKeyId, '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ revoked: alice.accessKeyId })
    expect(await sdkError(listBuckets(alice))).toEqual({ name: 'InvalidAccessKeyId', status: 403 })
    const { keys } = await adminJson('key', 'list', '--email', 'alice@test.local')
    expect(keys.map((k: any) => k.accessKey)).not.toContain(alice.accessKeyId)
    // Revoking twice is an error, not a silent success.
    expect(await adminFails('key', 'revoke', '--access-key', alice.accessKeyId)).toBe('cloudstorage: NoSuchAccessKey: The specified access key does not exist.')
  })

  test('at most 5 keys per account: the sixth is refused with a clear error; revoking frees a slot', async () => {
    const have = (await adminJson('key', 'list', '--email', 'bob@test.local')).keys.length
    const created: string[] = []
    for (let i = have; i < 5; i++) created.push((await adminJson('key', 'create', '--email', 'bob@test.local', '--name', `k${i}`)).accessKey)
    expect((await adminJson('key', 'list', '--email', 'bob@test.local')).keys).toHaveLength(5)
    expect(await adminFails('key', 'create', '--email', 'bob@test.local')).toBe('cloudstorage: TooManyAccessKeys: An account can have at most 5 access keys; revoke one first.')
    await adminJson('key', 'revoke', '--access-key', created[0])
    const again = await adminJson('key', 'create', '--email', 'bob@test.local', '--name', 'replacement')
    expect((await listBuckets({ accessKeyId: again.accessKey, secretAccessKey: again.secretKey })).Buckets?.length).toBe(1)
  })

  test.each([
    [['key', 'create', '--email', 'nobody@test.local'], "cloudstorage: NoSuchAccount: No account has the email 'nobody@test.local'."],
    [['key', 'list', '--email', 'nobody@test.local'], "cloudstorage: NoSuchAccount: No account has the email 'nobody@test.local'."],
    [['key', 'revoke', '--access-key', 'CSNOSUCHKEY000000000'], 'cloudstorage: NoSuchAccessKey: The specified access key does not exist.'],
    [['key', 'create', '--email', 'alice@test.local', '--access-key', 'lowercase-not-allowed', '--secret-key', 'x'.repeat(40)], 'cloudstorage: InvalidArgument: An access key id must be 16-128 upper-case letters and digits.'],
    [['key', 'create', '--email', 'alice@test.local', '--access-key', 'CSVALIDKEY0000000001', '--secret-key', 'short'], 'cloudstorage: InvalidArgument: A secret key must be 16-128 printable ASCII characters without spaces.'],
  ].map(([args, line]) => [(args as string[]).join(' '), args, line] as [string, string[], string]))('%s', async (_, args, line) => {
    expect(await adminFails(...args)).toBe(line)
  })

  test('usage errors exit 2 with the usage on stderr', async () => {
    const r = await srv.admin('key', 'list')
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toStartWith('cloudstorage: key list needs --email\n')
    expect(r.stderr).toContain(ADMIN_COMMAND_USAGE['key list'].trimEnd())
  })
})

describe('maintenance commands', () => {
  test('usage --json reports every account; --recompute repairs nothing on a healthy database', async () => {
    const doc = await adminJson('usage', '--recompute')
    expect(doc.recomputed).toBe(true)
    expect(doc.accounts.map((a: any) => a.email).sort()).toEqual(['alice@test.local', 'bob@test.local', 'ops@test.local', ROOT_EMAIL].sort())
    for (const a of doc.accounts) expect(a.drift).toBe(false)
  })

  test('scrub --json on a store with no corruption exits 0', async () => {
    const r = await srv.admin('scrub', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ corrupt: [], missing: [] })
  })

  test('the server is unaffected by all of the above', async () => {
    const res = await fetch(`${srv.httpUrl}/healthz`)
    expect(res.status).toBe(200)
    // Settled first: an error logged by the requests above may still be in the log's batch.
    expect(await logSettled(srv)).not.toMatch(/ERROR|SQLITE_BUSY|database is locked/)
  })
})
