import { randomBytes } from 'node:crypto'
import { ensureSecretFile } from './secret-file'

export const ADMIN_TOKEN_FILE = 'admin.token'

/**
 * A local admin token in the data dir (mode 0600), created on first start. Whoever can read the
 * data dir already owns the appliance; the token lets `cloudstorage tui --data DIR` on the same
 * box call the admin API without typing credentials.
 */
export function ensureAdminToken(dataDir: string): string {
  return ensureSecretFile(dataDir, ADMIN_TOKEN_FILE, () => 'cst_' + randomBytes(24).toString('base64url'))
}
