import React, { useCallback, useMemo, useReducer, useRef } from 'react'
import { Box, render, Text, useApp, useInput, type Key } from 'ink'
import { UsageError } from '../src/cli/args'
import { TUI_USAGE } from '../src/cli/usage'
import { createApiClient, toProblem, type ApiClient } from './client'
import { createTokenProvider } from './token'
import { GLOBAL_BINDINGS, keyName, resolveKey, screenBindings } from './keymap'
import { initialState, reducer, type Action, type ResourceKey } from './state/reducer'
import { LOADERS, SCREENS } from './screens/registry'
import type { ScreenDef } from './screens/types'
import { usePoller } from './hooks/use-poller'
import { useTerminalSize } from './hooks/use-terminal-size'
import { Header } from './components/Header'
import { ProblemBanner } from './components/ProblemBanner'
import { HintBar } from './components/HintBar'
import { HelpOverlay } from './components/HelpOverlay'

export const POLL_INTERVAL_MS = 2000
/** Below this even the header, a problem banner and the hint bar do not fit. */
export const MIN_COLUMNS = 60
export const MIN_ROWS = 12
/** Wider than this the panels only get emptier. */
const MAX_WIDTH = 100

export interface AppProps {
  client: ApiClient
  intervalMs?: number
  screens?: ScreenDef[]
  /** The clock stamped on refreshes (tests pin it). */
  now?: () => number
}

export function App({ client, intervalMs = POLL_INTERVAL_MS, screens = SCREENS, now = Date.now }: AppProps) {
  const [state, dispatch] = useReducer(reducer, screens[0].id, initialState)
  const { exit } = useApp()
  const size = useTerminalSize()
  const screen = screens.find((s) => s.id === state.screen) ?? screens[0]
  const bindings = useMemo(() => [...GLOBAL_BINDINGS, ...screenBindings(screens)], [screens])

  const load = async <K extends ResourceKey>(key: K, signal: AbortSignal) => {
    try {
      const data = await LOADERS[key](client, signal)
      if (!signal.aborted) dispatch({ type: 'loaded', resource: key, data, at: now() } as Action)
    } catch (e) {
      if (!signal.aborted) dispatch({ type: 'failed', resource: key, problem: toProblem(e, client.baseUrl), at: now() })
    }
  }
  const refresh = usePoller(async (signal) => { await Promise.all(screen.resources.map((key) => load(key, signal))) }, intervalMs, [client, screen, now])

  // useInput re-subscribes whenever its handler changes; a stable handler reading a ref avoids
  // dropping keys typed during a re-render.
  const onKey = useRef<(input: string, key: Key) => void>(() => {})
  onKey.current = (input, key) => {
    // Keys typed faster than the terminal is read arrive as one chunk ("?q"), which Ink passes as
    // a single paste. A chunk made only of bound keys is those keys; anything else (the tail of an
    // unknown escape sequence such as "[200~") stays one unbound name and is ignored.
    const chars = [...input]
    const typedFast = chars.length > 1 && !key.ctrl && !key.meta && chars.every((c) => resolveKey(bindings, c))
    const names = typedFast ? chars : [keyName(input, key)]
    for (const name of names) {
      const command = resolveKey(bindings, name)
      if (!command) continue
      switch (command.type) {
        case 'quit': exit(); return
        case 'refresh': refresh(); break
        case 'help': dispatch({ type: 'toggleHelp' }); break
        case 'back': dispatch({ type: 'closeHelp' }); break
        case 'screen': dispatch({ type: 'showScreen', screen: command.screen }); break
      }
    }
  }
  useInput(useCallback((input: string, key: Key) => onKey.current(input, key), []))

  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    return <Text wrap="truncate-end">terminal too small ({size.columns}x{size.rows}, need {MIN_COLUMNS}x{MIN_ROWS}) · q quits</Text>
  }
  const Screen = screen.component
  const version = state.resources.overview.data?.version ?? null
  const intervalSeconds = Math.round(intervalMs / 100) / 10
  // One row short of the terminal: a frame as tall as the screen makes Ink clear and repaint the
  // whole terminal on every update (flicker). The body is clipped instead; the bars stay put.
  const height = Number.isFinite(size.rows) ? size.rows - 1 : undefined
  return (
    <Box flexDirection="column" width={Math.min(size.columns, MAX_WIDTH)} height={height}>
      <Header url={client.baseUrl} version={version} status={state.connection} screens={screens} current={screen.id} />
      {state.problem ? <ProblemBanner problem={state.problem} since={state.problemSince} intervalSeconds={intervalSeconds} /> : null}
      <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
        {state.helpOpen ? <HelpOverlay bindings={bindings} intervalSeconds={intervalSeconds} /> : <Screen state={state} url={client.baseUrl} />}
      </Box>
      <HintBar bindings={bindings} lastRefresh={state.lastRefresh} />
    </Box>
  )
}

/** Alternate screen: the UI owns the terminal while it runs and leaves the scrollback untouched. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H'
const LEAVE_ALT_SCREEN = '\x1b[?1049l'

function parseBaseUrl(url: string): string {
  let u: URL
  try { u = new URL(url) } catch { throw new UsageError(`--url '${url}' is not a URL (e.g. http://127.0.0.1:9001)`, TUI_USAGE) }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be http:// or https://, got '${url}'`, TUI_USAGE)
  return u.origin + u.pathname.replace(/\/+$/, '')
}

/**
 * Runs the TUI on the process's terminal until the user quits. Returns the exit code: 0 on q,
 * Ctrl+C or a termination signal; 2 when there is no terminal to run in.
 */
export async function startTui(opts: { url: string; dataDir: string }): Promise<number> {
  const { stdin, stdout, stderr } = process
  // Ink needs raw mode to read keys; without a TTY it throws deep inside React. Say it plainly.
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function' || !stdout.isTTY) {
    const which = !stdin.isTTY || typeof stdin.setRawMode !== 'function' ? 'stdin' : 'stdout'
    stderr.write(`cloudstorage tui: needs an interactive terminal (${which} is not a TTY); for scripts use 'cloudstorage admin … --json'\n`)
    return 2
  }
  const baseUrl = parseBaseUrl(opts.url)
  const tokens = createTokenProvider({ dataDir: opts.dataDir })
  const client = createApiClient({ baseUrl, token: tokens.get, onTokenRejected: tokens.invalidate, describeToken: tokens.describe })

  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    stdout.write(LEAVE_ALT_SCREEN)
  }
  // Last resort for paths that skip the finally below (process.exit from elsewhere, a crash).
  process.once('exit', restore)
  stdout.write(ENTER_ALT_SCREEN)

  const instance = render(<App client={client} />, { exitOnCtrlC: false, patchConsole: true })
  // Keys arrive as input in raw mode; these come from outside (kill, closed terminal): quit cleanly.
  const onSignal = () => instance.unmount()
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
  for (const s of signals) process.on(s, onSignal)
  try {
    await instance.waitUntilExit()
  } finally {
    for (const s of signals) process.off(s, onSignal)
    instance.cleanup()
    restore()
    process.off('exit', restore)
  }
  return 0
}
