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

/** Where this appliance is reached, for the commands the banner shows. */
export interface BannerContext {
  s3Url: string
  httpUrl: string
  region: string
  dataDir: string
}

/** The AWS CLI profile the banner configures, so the operator's default profile is left alone. */
export const AWS_PROFILE = 'cloudstorage'

/** Quotes a shell word when it needs it (data dirs may contain spaces). */
const shellWord = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/** The aws CLI commands that configure a `cloudstorage` profile for this appliance, and use it. */
function awsConfigure(r: BootstrapResult, b: BannerContext): string[] {
  const secret = r.generated.keys ? r.secretKey : '<CLOUDSTORAGE_ROOT_SECRET_KEY>'
  return [
    `aws configure set aws_access_key_id ${r.accessKey} --profile ${AWS_PROFILE}`,
    `aws configure set aws_secret_access_key ${secret} --profile ${AWS_PROFILE}`,
    `aws configure set region ${b.region} --profile ${AWS_PROFILE}`,
    `aws --profile ${AWS_PROFILE} --endpoint-url ${b.s3Url} s3 ls`,
  ]
}

/** The terminal admin UI, as installed and from a checkout. */
function tuiCommands(b: BannerContext): { binary: string; checkout: string } {
  return { binary: `cloudstorage tui --data ${shellWord(b.dataDir)}`, checkout: `npm run cli -- tui --data ${shellWord(b.dataDir)}` }
}

/**
 * POST /api/auth/password with the local admin token (which acts as the first admin); the new
 * password is left for the operator to fill in.
 */
function changePasswordCommand(r: BootstrapResult, b: BannerContext): string {
  const current = r.password ?? '<CLOUDSTORAGE_ROOT_PASSWORD>'
  const body = JSON.stringify({ currentPassword: current, newPassword: '<new password>' })
  const token = shellWord(`${b.dataDir}/admin.token`)
  return `curl -X POST ${b.httpUrl}/api/auth/password -H "Authorization: Bearer $(cat ${token})" -H 'Content-Type: application/json' -d '${body}'`
}

/** The banner's content as fields of one structured log record (`--log-format json`). */
export function bootstrapFields(r: BootstrapResult, b: BannerContext): Record<string, unknown> {
  return {
    adminEmail: r.email,
    ...(r.password ? { adminPassword: r.password } : {}),
    accessKey: r.accessKey,
    ...(r.generated.keys ? { secretKey: r.secretKey } : {}),
    bucket: r.bucket,
    awsConfigure: awsConfigure(r, b),
    tui: tuiCommands(b).binary,
    apiDocs: `${b.httpUrl}/api/docs`,
    dashboard: `${b.httpUrl}/`,
    changePassword: changePasswordCommand(r, b),
  }
}

/** The one-time banner: credentials, a ready-to-paste AWS CLI profile, the dashboard, the TUI, API docs. */
export function bootstrapBanner(r: BootstrapResult, b: BannerContext): string {
  const tui = tuiCommands(b)
  const lines = [
    '',
    '==================== CloudStorage: first start ====================',
    `Admin account:   ${r.email}`,
    r.password ? `Admin password:  ${r.password}   (shown once; change it, see below)` : 'Admin password:  (from CLOUDSTORAGE_ROOT_PASSWORD)',
    `Access key:      ${r.accessKey}`,
    r.generated.keys ? `Secret key:      ${r.secretKey}   (shown once; store it now)` : 'Secret key:      (from CLOUDSTORAGE_ROOT_SECRET_KEY)',
    `Default bucket:  ${r.bucket}`,
    '',
    `Configure the AWS CLI (profile "${AWS_PROFILE}"; \`aws configure --profile ${AWS_PROFILE}\` asks for the same):`,
    ...awsConfigure(r, b).map((l) => `  ${l}`),
    '',
    `Web dashboard: ${b.httpUrl}/   (log in with the admin account)`,
    '',
    'Terminal admin UI:',
    `  ${tui.binary}`,
    `  ${tui.checkout}   (from a source checkout)`,
    `API docs:  ${b.httpUrl}/api/docs`,
    '',
    'Change the admin password:',
    `  ${changePasswordCommand(r, b)}`,
    '====================================================================',
    '',
  ]
  return lines.join('\n')
}
