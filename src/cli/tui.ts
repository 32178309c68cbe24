import { join, resolve } from 'node:path'
import { ADMIN_TOKEN_FILE } from '../auth/admin-token'
import { parseArgs, UsageError } from './args'
import { TUI_USAGE } from './usage'

function parseBaseUrl(url: string): string {
  let u: URL
  try { u = new URL(url) } catch { throw new UsageError(`--url '${url}' is not a URL (e.g. http://127.0.0.1:9001)`, TUI_USAGE) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, got '${url}'`, TUI_USAGE)
  return u.origin + u.pathname.replace(/\/+$/, '')
}

/**
 * `cloudstorage tui`: parses the command line here and hands the TUI what it needs to reach the
 * appliance; the TUI itself talks to the HTTP API only and imports nothing from src/ at run time.
 */
export async function runTui(argv: string[], out: (s: string) => void): Promise<number> {
  const args = parseArgs(argv, { values: ['--data', '--url'], bools: ['--help'] }, TUI_USAGE)
  if (args.bools.has('--help')) { out(TUI_USAGE); return 0 }
  const baseUrl = parseBaseUrl(args.values['--url'] ?? process.env.CLOUDSTORAGE_URL ?? 'http://127.0.0.1:9001')
  const dataDir = resolve(args.values['--data'] ?? process.env.CLOUDSTORAGE_DATA ?? './data')
  const { runTuiApp } = await import('../../tui/main')
  return runTuiApp({ baseUrl, tokenPath: join(dataDir, ADMIN_TOKEN_FILE) })
}
