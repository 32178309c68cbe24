import type { Connection } from './app'

/** What src/cli/tui.ts decided from the command line: where, and how to sign in. */
export interface TuiOptions extends Omit<Connection, 'session'> {
  /** Log in with email and password (prompted) instead of the admin token or a key. */
  login?: { email?: string }
}

/** The Ink admin UI, talking only to the HTTP API (the command line is parsed in src/cli/tui.ts). */
export async function runTuiApp(opts: TuiOptions): Promise<number> {
  prepareTerminalEnv(process.env, Boolean(process.stdout.isTTY))
  const { startTui, terminalProblem } = await import('./app')
  const problem = terminalProblem()
  if (problem) {
    process.stderr.write(problem)
    return 2
  }
  let session: Connection['session']
  if (opts.login) {
    const { interactiveLogin } = await import('./login')
    const s = await interactiveLogin(opts.baseUrl, opts.login.email)
    if (!s) {
      process.stderr.write('cloudstorage tui: not logged in\n')
      return 1
    }
    session = s
  }
  return startTui({ ...opts, session })
}

/**
 * Must run before Ink (and chalk) are first imported: both read the environment once, at load.
 * - chalk ignores NO_COLOR (it only knows FORCE_COLOR).
 * - With CI or CONTINUOUS_INTEGRATION set, Ink draws only the final frame (a blank screen until
 *   exit) and chalk drops colour, even on a real terminal.
 * - DEV=true makes Ink attach React DevTools and read its own package.json from disk, which the
 *   compiled binary does not contain: the TUI would die at start.
 * The TUI starts no child processes, so removing these affects nothing else.
 */
export function prepareTerminalEnv(env: Record<string, string | undefined>, interactive: boolean): void {
  if (env.NO_COLOR) env.FORCE_COLOR = '0'
  delete env.DEV
  if (interactive) {
    delete env.CI
    delete env.CONTINUOUS_INTEGRATION
  }
}
