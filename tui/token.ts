import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

export const TOKEN_ENV = 'CLOUDSTORAGE_ADMIN_TOKEN'

export interface TokenProvider {
  /** The token to send, or null when none is available yet. */
  get(): string | null
  /** Forget a cached token so the next get() re-reads the file (after a 401). */
  invalidate(): void
  /** One line for the operator: where the token comes from, or why there is none. */
  describe(): string
}

/**
 * The env variable wins (remote appliances, or a token kept out of the data dir); otherwise
 * `<data>/admin.token`, which the server writes on first start. The file is re-read while it is
 * missing or was rejected, so starting the TUI before the server, or after a data dir reset,
 * recovers on the next poll without a restart.
 */
export function createTokenProvider(opts: { tokenPath: string; env?: Record<string, string | undefined> }): TokenProvider {
  const env = opts.env ?? process.env
  const fromEnv = env[TOKEN_ENV]?.trim()
  const path = opts.tokenPath
  if (fromEnv) {
    return { get: () => fromEnv, invalidate() {}, describe: () => `token from ${TOKEN_ENV}: does it match the server's ${basename(path)}?` }
  }
  const read = () => {
    try { return readFileSync(path, 'utf8').trim() || null } catch { return null }
  }
  let cached: string | null = null
  return {
    get() {
      if (cached === null) cached = read()
      return cached
    },
    invalidate() { cached = null },
    describe() {
      return cached === null && !read()
        ? `no ${path}: pass the server's --data DIR, or set ${TOKEN_ENV}`
        : `token from ${path}: is that the data dir of the server at this URL?`
    },
  }
}
