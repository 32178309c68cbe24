import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs'
import { writeFileAtomic } from '../fs/durable'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'

export const ADMIN_TOKEN_FILE = 'admin.token'

/**
 * A local admin token in the data dir (mode 0600), created on first start. Whoever can read the
 * data dir already owns the appliance; the token lets `cloudstorage tui --data DIR` on the same
 * box call the admin API without typing credentials.
 */
export function ensureAdminToken(dataDir: string): string {
  const path = join(dataDir, ADMIN_TOKEN_FILE)
  if (existsSync(path)) {
    if (statSync(path).mode & 0o077) chmodSync(path, 0o600)
    return readFileSync(path, 'utf8').trim()
  }
  const token = 'cst_' + randomBytes(24).toString('base64url')
  writeFileAtomic(path, token + '\n', 0o600)
  return token
}
