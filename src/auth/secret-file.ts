import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../fs/durable'

/**
 * A secret the appliance keeps in its data dir (mode 0600, created durably on first start): the
 * file's text when `usable` accepts it (its mode tightened if someone loosened it), else a new
 * one from `make`, written in its place. The admin token and the URL-signing key are such files.
 */
export function ensureSecretFile(dataDir: string, name: string, make: () => string, usable: (text: string) => boolean = () => true): string {
  const path = join(dataDir, name)
  if (existsSync(path)) {
    if (statSync(path).mode & 0o077) chmodSync(path, 0o600)
    const text = readFileSync(path, 'utf8').trim()
    if (usable(text)) return text
  }
  const text = make()
  writeFileAtomic(path, text + '\n', 0o600)
  return text
}
