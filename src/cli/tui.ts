import { join, resolve } from 'node:path'
import { ADMIN_TOKEN_FILE } from '../auth/admin-token'
import { readServerFile, type ServerInfo } from '../fs/server-file'
import { parseArgs, UsageError } from './args'
import { TUI_USAGE } from './usage'

function parseBaseUrl(url: string): string {
  let u: URL
  try { u = new URL(url) } catch { throw new UsageError(`--url '${url}' is not a URL (e.g. http://127.0.0.1:9001)`, TUI_USAGE) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, got '${url}'`, TUI_USAGE)
  return u.origin + u.pathname.replace(/\/+$/, '')
}

/** Is the process alive (EPERM: it is, as another user)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The server that runs on this data dir: its server.json, when its process is alive. */
export function runningServer(dataDir: string): ServerInfo | null {
  const info = readServerFile(dataDir)
  // A server killed with -9 leaves its server.json behind: its URLs may now be someone else's.
  return info && alive(info.pid) ? info : null
}

/**
 * `cloudstorage tui`: parses the command line here and hands the TUI what it needs to reach the
 * appliance; the TUI itself talks to the HTTP API only and imports nothing from src/ at run time.
 * Without --url it finds the server that runs on the data dir (server.json) and uses its admin
 * token; with an access key pair or --login it is a remote account.
 */
export async function runTui(argv: string[], out: (s: string) => void): Promise<number> {
  const args = parseArgs(argv, { values: ['--data', '--url', '--access-key', '--secret-key', '--email', '--interval'], bools: ['--help', '--login'] }, TUI_USAGE)
  if (args.bools.has('--help')) { out(TUI_USAGE); return 0 }
  const dataDir = resolve(args.values['--data'] ?? process.env.CLOUDSTORAGE_DATA ?? './data')
  const server = runningServer(dataDir)
  const explicit = args.values['--url'] ?? process.env.CLOUDSTORAGE_URL
  const baseUrl = parseBaseUrl(explicit ?? server?.httpUrl ?? 'http://127.0.0.1:9001')
  const accessKey = args.values['--access-key'] ?? process.env.CLOUDSTORAGE_ACCESS_KEY
  const secretKey = args.values['--secret-key'] ?? process.env.CLOUDSTORAGE_SECRET_KEY
  if (!!accessKey !== !!secretKey) throw new UsageError('--access-key and --secret-key go together', TUI_USAGE)
  const login = args.bools.has('--login') || args.values['--email'] !== undefined
  if (login && accessKey) throw new UsageError('--login and --access-key exclude each other', TUI_USAGE)
  let intervalMs: number | undefined
  if (args.values['--interval'] !== undefined) {
    const n = Number(args.values['--interval'])
    if (!Number.isFinite(n) || n < 0.5 || n > 3600) throw new UsageError('--interval is seconds between refreshes, 0.5 to 3600', TUI_USAGE)
    intervalMs = Math.round(n * 1000)
  }
  // The server.json URLs are this machine's view; they apply when the TUI talks to that server.
  const local = server && baseUrl === parseBaseUrl(server.httpUrl) ? server : null
  const { runTuiApp } = await import('../../tui/main')
  return runTuiApp({
    baseUrl,
    tokenPath: local?.adminTokenPath ?? join(dataDir, ADMIN_TOKEN_FILE),
    s3Url: local?.s3Url ?? null,
    intervalMs,
    ...(accessKey && secretKey ? { apiKey: { accessKey, secretKey } } : {}),
    ...(login ? { login: { email: args.values['--email'] } } : {}),
  })
}
