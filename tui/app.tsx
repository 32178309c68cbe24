import React, { useCallback, useEffect, useMemo, useReducer, useRef } from 'react'
import { Box, render, Text, useApp, useInput, type Key } from 'ink'
import { createApiClient, toProblem, type ApiClient } from './client'
import { createTokenProvider } from './token'
import { charName, GLOBAL_BINDINGS, isPrintable, keyName, MODAL_QUIT, resolveKey, screenBindings, type Binding, type Command } from './keymap'
import { initialState, reducer, type Action, type ResourceKey, type TuiState } from './state/reducer'
import { LOADERS, SCREENS } from './screens/registry'
import type { ScreenDef, ScreenKeys } from './screens/types'
import { performMutation } from './mutations'
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

const NO_KEYS: ScreenKeys = { bindings: [], modal: false }

/**
 * The keys in effect: a dialog's alone (plus Ctrl+C) while it is open; the global ones only
 * while the help covers the screen; else the screen's first (they are what the hint bar shows
 * first), then the global ones.
 */
function activeBindings(global: Binding[], sk: ScreenKeys, helpOpen: boolean): Binding[] {
  if (sk.modal) return [...sk.bindings, MODAL_QUIT]
  if (helpOpen) return global
  return [...sk.bindings, ...global]
}

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
  const globalBindings = useMemo(() => [...GLOBAL_BINDINGS, ...screenBindings(screens)], [screens])
  const screenKeys = screen.keys?.(state) ?? NO_KEYS
  const active = useMemo(() => activeBindings(globalBindings, screenKeys, state.helpOpen), [globalBindings, screenKeys, state.helpOpen])

  // Bumped when a change is answered: a read that started before it may predate the change, and
  // showing it would briefly bring back, say, a deleted row. The refresh that follows the change
  // brings the new truth instead.
  const generation = useRef(0)
  const load = async <K extends ResourceKey>(key: K, signal: AbortSignal) => {
    const started = generation.current
    try {
      const data = await LOADERS[key](client, signal)
      if (!signal.aborted && started === generation.current) dispatch({ type: 'loaded', resource: key, data, at: now() } as Action)
    } catch (e) {
      if (!signal.aborted) dispatch({ type: 'failed', resource: key, problem: toProblem(e, client.baseUrl), at: now() })
    }
  }
  const refresh = usePoller(async (signal) => { await Promise.all(screen.resources.map((key) => load(key, signal))) }, intervalMs, [client, screen, now])

  // A change the reducer asked for: send it once, report the outcome, then re-read the truth.
  // Not aborted on re-render or screen change: a request that reached the server should be
  // reported, not forgotten.
  const pending = state.pending
  const sent = useRef(0)
  useEffect(() => {
    // Sequence numbers only grow: an effect re-run for the same request must not send it twice.
    if (!pending || pending.seq <= sent.current) return
    sent.current = pending.seq
    const settle = (action: Action) => {
      generation.current++
      dispatch(action)
      refresh()
    }
    performMutation(client, pending).then(
      (result) => settle({ type: 'mutationDone', seq: pending.seq, result }),
      (e) => settle({ type: 'mutationFailed', seq: pending.seq, problem: toProblem(e, client.baseUrl) }),
    )
  }, [pending, client, refresh])

  // What the keys resolve against: the state of the last render, advanced through the reducer
  // for each key of a chunk, so "jj" moves twice and a key that opens an input sends the rest
  // of the chunk into it.
  const keysFor = (s: TuiState) => {
    const def = screens.find((d) => d.id === s.screen) ?? screens[0]
    const sk = def.keys?.(s) ?? NO_KEYS
    return { sk, bindings: s === state ? active : activeBindings(globalBindings, sk, s.helpOpen) }
  }

  // useInput re-subscribes whenever its handler changes; a stable handler reading a ref avoids
  // dropping keys typed during a re-render.
  const onKey = useRef<(input: string, key: Key) => void>(() => {})
  onKey.current = (input, key) => {
    const chars = [...input]
    const single = chars.length <= 1 || key.ctrl || key.meta || keyName(input, key) !== input
    let names: string[]
    if (single) {
      names = [keyName(input, key)]
    } else {
      // Keys typed faster than the terminal is read arrive as one chunk ("?q"), which Ink passes
      // as a single paste. Into an input, it is typed text (with any Enter or Tab in it). Else a
      // chunk made only of bound keys is those keys; anything else (the tail of an unknown escape
      // sequence such as "[200~") stays one unbound name and is ignored.
      const start = keysFor(state)
      names = start.sk.text ? chars.map(charName)
        : chars.every((c) => resolveKey(start.bindings, c)) ? chars : [input]
    }
    let s = state
    for (const name of names) {
      const { sk, bindings } = keysFor(s)
      const command: Command | null = resolveKey(bindings, name) ??
        (sk.text && isPrintable(name) ? { type: 'dispatch', action: sk.text(name) } : null)
      if (!command) continue
      let action: Action | null = null
      switch (command.type) {
        case 'quit': exit(); return
        case 'refresh': refresh(); break
        case 'help': action = { type: 'toggleHelp' }; break
        case 'back': action = { type: 'closeHelp' }; break
        case 'screen': action = { type: 'showScreen', screen: command.screen }; break
        case 'dispatch': action = command.action; break
      }
      if (action) {
        dispatch(action)
        s = reducer(s, action)
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
  const width = Math.min(size.columns, MAX_WIDTH)
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header url={client.baseUrl} version={version} status={state.connection} screens={screens} current={screen.id} />
      {state.problem ? <ProblemBanner problem={state.problem} since={state.problemSince} intervalSeconds={intervalSeconds} /> : null}
      <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
        {state.helpOpen
          ? <HelpOverlay global={globalBindings} screenTitle={screen.title} screen={screenKeys.bindings} intervalSeconds={intervalSeconds} />
          : <Screen state={state} url={client.baseUrl} dispatch={dispatch} terminal={size} width={width} />}
      </Box>
      <HintBar bindings={active} lastRefresh={state.lastRefresh} width={width} />
    </Box>
  )
}

/** Alternate screen: the UI owns the terminal while it runs and leaves the scrollback untouched. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H'
const LEAVE_ALT_SCREEN = '\x1b[?1049l'

/**
 * Runs the TUI on the process's terminal until the user quits. Returns the exit code: 0 on q,
 * Ctrl+C or a termination signal; 2 when there is no terminal to run in.
 */
export async function startTui(opts: { baseUrl: string; tokenPath: string }): Promise<number> {
  const { stdin, stdout, stderr } = process
  // Ink needs raw mode to read keys; without a TTY it throws deep inside React. Say it plainly.
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function' || !stdout.isTTY) {
    const which = !stdin.isTTY || typeof stdin.setRawMode !== 'function' ? 'stdin' : 'stdout'
    stderr.write(`cloudstorage tui: needs an interactive terminal (${which} is not a TTY); for scripts use 'cloudstorage admin … --json'\n`)
    return 2
  }
  const tokens = createTokenProvider({ tokenPath: opts.tokenPath })
  const client = createApiClient({ baseUrl: opts.baseUrl, token: tokens.get, onTokenRejected: tokens.invalidate, describeToken: tokens.describe })

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
