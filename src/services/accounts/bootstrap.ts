import { randomString } from '../../domain/ids'
import type { AccountsService } from './accounts'
import type { Deps } from '../deps'

export interface BootstrapResult {
  email: string
  password: string | null
  accessKey: string
  secretKey: string
  bucket: string
  generated: { password: boolean; keys: boolean }
}

/**
 * First start: when no admin account exists, create one from CLOUDSTORAGE_ROOT_* or with
 * generated credentials. Returns what to print once; null when nothing was created.
 */
export async function bootstrapAdmin(d: Deps, accounts: AccountsService): Promise<BootstrapResult | null> {
  const hasAdmin = d.repos.accounts.list().some((a) => a.isAdmin)
  if (hasAdmin) return null
  const root = d.config.root
  const email = root.email ?? 'admin@cloudstorage.local'
  const password = root.password ?? randomString('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789', 20)
  const { key, bucket } = await accounts.create({
    email, password, isAdmin: true, accessKey: root.accessKey, secretKey: root.secretKey,
  })
  return {
    email, password: root.password ? null : password, accessKey: key.accessKey, secretKey: key.secretKey, bucket: bucket.name,
    generated: { password: !root.password, keys: !root.accessKey },
  }
}

/** The aws CLI commands that configure a client for this appliance. */
function awsConfigure(r: BootstrapResult, s3Url: string, region: string): string[] {
  return [
    `aws configure set aws_access_key_id ${r.accessKey}`,
    r.generated.keys ? `aws configure set aws_secret_access_key ${r.secretKey}` : 'aws configure set aws_secret_access_key <CLOUDSTORAGE_ROOT_SECRET_KEY>',
    `aws configure set region ${region}`,
    `aws --endpoint-url ${s3Url} s3 ls`,
  ]
}

/** The banner's content as fields of one structured log record (`--log-format json`). */
export function bootstrapFields(r: BootstrapResult, s3Url: string, region: string): Record<string, unknown> {
  return {
    adminEmail: r.email,
    ...(r.password ? { adminPassword: r.password } : {}),
    accessKey: r.accessKey,
    ...(r.generated.keys ? { secretKey: r.secretKey } : {}),
    bucket: r.bucket,
    awsConfigure: awsConfigure(r, s3Url, region),
  }
}

/** The one-time banner with a ready-to-paste `aws configure` hint. */
export function bootstrapBanner(r: BootstrapResult, s3Url: string, region: string): string {
  const lines = [
    '',
    '==================== CloudStorage: first start ====================',
    `Admin account:   ${r.email}`,
    r.password ? `Admin password:  ${r.password}   (shown once; change it after logging in)` : 'Admin password:  (from CLOUDSTORAGE_ROOT_PASSWORD)',
    `Access key:      ${r.accessKey}`,
    r.generated.keys ? `Secret key:      ${r.secretKey}   (shown once; store it now)` : 'Secret key:      (from CLOUDSTORAGE_ROOT_SECRET_KEY)',
    `Default bucket:  ${r.bucket}`,
    '',
    'Configure the AWS CLI:',
    ...awsConfigure(r, s3Url, region).map((l) => `  ${l}`),
    '====================================================================',
    '',
  ]
  return lines.join('\n')
}
