import type { TestServer } from './server'
import type { Creds } from './raw-s3'

export interface TestAccount {
  email: string
  creds: Creds
  /** The default bucket every new account gets. */
  defaultBucket: string
}

/**
 * Creates another account with a known key pair through the admin CLI (works against a running
 * server). `tag` must be upper-case alphanumeric; it makes the key id unique.
 */
export async function createAccount(srv: TestServer, tag: string): Promise<TestAccount> {
  const email = `${tag.toLowerCase()}@test.local`
  const accessKeyId = `CSTEST${tag.toUpperCase()}`.padEnd(20, '0')
  const secretAccessKey = `secret-${tag.toLowerCase()}`.padEnd(40, 'x')
  const r = await srv.admin('account', 'create', '--email', email, '--password', 'password-123456', '--access-key', accessKeyId, '--secret-key', secretAccessKey, '--json')
  if (r.code !== 0) throw new Error(`account create failed (${r.code}): ${r.stderr}${r.stdout}`)
  const doc = JSON.parse(r.stdout) as { bucket: string }
  return { email, creds: { accessKeyId, secretAccessKey }, defaultBucket: doc.bucket }
}
