/**
 * A real terminal for the TUI's tests: tmux on a private socket (nothing touches a tmux server
 * someone else runs), a fixed size, the screen as a user sees it.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './server'
import { until } from './wait'

export const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** Ink renders only the final frame when it thinks it runs in CI; a user's terminal is not CI. */
export function interactiveEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) continue
    env[k] = v
  }
  env.TERM = 'xterm-256color'
  delete env.NO_COLOR
  return env
}

export interface Terminal {
  /** What is on screen now (tmux) or everything printed so far (script), without escape codes. */
  screen(): string
  press(keys: string): void
  /** The TUI's exit code, once it has exited. */
  exited(): Promise<number>
  close(): void
  /** The screen with its escape codes (colours), tmux only. */
  raw?(): string
}

export async function waitFor(term: Terminal, ok: (screen: string) => boolean, what: string): Promise<string> {
  let s = ''
  await until(() => ok((s = term.screen())), () => `${what}; screen:\n${s}`)
  return s
}

/** tmux on a private socket, running `command` (a shell line) in ROOT, or in `cwd`. */
export function openTmux(parent: string, command: string, columns: number, rows: number, cwd = ROOT): Terminal {
  const dir = mkdtempSync(join(parent, 't-'))
  const sock = join(dir, 'tmux.sock')
  const exitFile = join(dir, 'exit-code')
  const script = join(dir, 'run.sh')
  // After the TUI exits the pane stays, showing the normal screen: it must hold our marker and
  // none of the TUI (the alternate screen was left).
  writeFileSync(script, `cd ${shq(cwd)}\n${command}\necho $? > ${shq(exitFile)}\necho TUI-EXITED\nread _ignored\n`)
  const env = interactiveEnv()
  const tmux = (...args: string[]) => {
    const r = Bun.spawnSync(['tmux', '-S', sock, ...args], { env, stdout: 'pipe', stderr: 'pipe' })
    if (r.exitCode !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr.toString()}`)
    return r.stdout.toString()
  }
  tmux('new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', 'cs', `sh ${shq(script)}`)
  return {
    screen: () => tmux('capture-pane', '-p', '-t', 'cs'),
    raw: () => tmux('capture-pane', '-p', '-e', '-t', 'cs'),
    press: (keys) => { tmux('send-keys', '-t', 'cs', '-l', keys) },
    async exited() {
      const code = await until(() => existsSync(exitFile) && readFileSync(exitFile, 'utf8').trim(), 'the TUI to exit')
      return Number(code)
    },
    close() { Bun.spawnSync(['tmux', '-S', sock, 'kill-server'], { stdout: 'ignore', stderr: 'ignore' }) },
  }
}
