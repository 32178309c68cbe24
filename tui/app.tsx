import React, { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef } from 'react'
import { Box, measureElement, render, Text, useApp, useInput, type DOMElement, type Key } from 'ink'
import { createApiClient, toProblem, type ApiClient, type ClientOptions } from './client'
import { createTokenProvider } from './token'
import { charName, GLOBAL_BINDINGS, isPrintable, keyName, MODAL_QUIT, resolveKey, screenBindings, type Binding, type Command } from './keymap'
import { initialState, reducer, type Action, type ResourceSpec, type ScreenId, type TuiState } from './state/reducer'
import { candidates, OPEN_PALETTE, paletteCommand } from './state/palette'
import { bucketsResources } from './state/buckets'
import { SCREENS } from './screens/registry'
import type { ScreenDef, ScreenKeys } from './screens/types'
import { overlayKeys, transferKey } from './screens/list-keys'
import { performMutation } from './mutations'
import { usePoller } from './hooks/use-poller'
import { useTerminalSize } from './hooks/use-terminal-size'
import { useTransfer } from './hooks/use-transfer'
import { useClipboard } from './hooks/use-clipboard'
import { Header } from './components/Header'
import { ProblemBanner } from './components/ProblemBanner'
import { HintBar } from './components/HintBar'
import { HelpOverlay } from './components/HelpOverlay'
import { DialogView, dialogRows, fullHeight } from './components/DialogView'
import { NoticeLine } from './components/NoticeLine'
import { Palette } from './components/Palette'
import { TransferBar } from './components/TransferBar'

/** Polling on the appliance itself (the admin token is exempt from the API's rate limits). */
export const POLL_INTERVAL_MS = 2000
/** Polling as a remote account: the dashboard API allows 30 calls a minute, actions included. */
export const REMOTE_POLL_INTERVAL_MS = 10_000
/** Below this even the header, a problem banner and the hint bar do not fit. */
export const MIN_COLUMNS = 60
export const MIN_ROWS = 12
/** Wider than this the panels only get emptier. */
const MAX_WIDTH = 120

const NO_KEYS: ScreenKeys = { bindings: [], modal: false }

/** A dialog or the palette has the keyboard on any screen; else the screen's own keys. */
const keysOf = (def: ScreenDef, s: TuiState): ScreenKeys => (s.dialog || s.palette ? overlayKeys(s, false)! : def.keys?.(s) ?? NO_KEYS)

/**
 * The keys in effect: a dialog's alone (plus Ctrl+C) while it is open; the global ones only
 * while the help covers the screen; else the screen's first (they are what the hint bar shows
 * first), then the global ones.
 */
function activeBindings(global: Binding[], sk: ScreenKeys, helpOpen: boolean, extra: Binding | null): Binding[] {
  if (sk.modal) return [...sk.bindings, MODAL_QUIT]
  if (helpOpen) return global
  return extra ? [...sk.bindings, extra, ...global] : [...sk.bindings, ...global]
}

export interface AppProps {
  client: ApiClient
  intervalMs?: number
  screens?: ScreenDef[]
  /** The clock stamped on refreshes (tests pin it). */
  now?: () => number
  /** Whether the credentials are an administrator's before /api/me says (the admin token: yes). */
  admin?: boolean
  /** The S3 URL when known from server.json (for key snippets). */
  s3Url?: string | null
  /** How the TUI authenticates, for the help text. */
  auth?: string
}

export function App({ client, intervalMs = POLL_INTERVAL_MS, screens = SCREENS, now = Date.now, admin = true, s3Url = null, auth }: AppProps) {
  const [state, dispatch] = useReducer(reducer, undefined, () => initialState(screens[0].id, s3Url, admin, admin))
  const { exit } = useApp()
  const size = useTerminalSize()
  const visible = useMemo(() => screens.filter((s) => !s.adminOnly || state.isAdmin), [screens, state.isAdmin])
  const screen = visible.find((s) => s.id === state.screen) ?? visible[0]
  const globalBindings = useMemo(() => [...GLOBAL_BINDINGS, ...screenBindings(visible)], [visible])
  const screenKeys = keysOf(screen, state)
  const transfer = transferKey(state.transfer)
  const active = useMemo(() => activeBindings(globalBindings, screenKeys, state.helpOpen, transfer), [globalBindings, screenKeys, state.helpOpen, transfer])

  // Bumped when a change is answered: a read that started before it may predate the change, and
  // showing it would briefly bring back, say, a deleted row. The refresh that follows the change
  // brings the new truth instead.
  const generation = useRef(0)
  const poll = client.poll ?? client
  const load = async (spec: ResourceSpec, signal: AbortSignal, background = false) => {
    const started = generation.current
    try {
      const data = await spec.load(poll, signal)
      if (!signal.aborted && started === generation.current) dispatch({ type: 'loaded', resource: spec.key, data, at: now(), background })
    } catch (e) {
      if (!signal.aborted && !background) dispatch({ type: 'failed', resource: spec.key, problem: toProblem(e, client.baseUrl), at: now() })
    }
  }
  // The palette completes bucket names: it needs them whichever screen is open.
  const own = screen.resources(state)
  const specs = state.palette && !own.some((x) => x.key === 'buckets') ? [...own, ...bucketsResources()] : own
  const specKey = specs.map((s) => s.key).join('|')
  useEffect(() => { dispatch({ type: 'polling', keys: specs.map((x) => x.key) }) }, [specKey])
  const refresh = usePoller(async (signal) => { await Promise.all(specs.map((s) => load(s, signal))) }, intervalMs, [client, screen.id, specKey, now])

  // Who the caller is, once: a remote account sees the admin screens only if it is an administrator.
  useEffect(() => {
    const ac = new AbortController()
    void load({ key: 'me', load: (c, s) => c.me(s) }, ac.signal, true)
    return () => ac.abort()
  }, [client])

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

  useTransfer(client, state.transfer, dispatch, now, refresh)
  useClipboard(state.clipboard)

  // The rows the screen body has, measured after layout (banners above it change it); lists
  // page and scroll by it. Unknown when the terminal has no height (tests, pipes).
  const body = useRef<DOMElement>(null)
  const bounded = Number.isFinite(size.rows)
  useLayoutEffect(() => {
    if (!bounded || !body.current) return
    const h = measureElement(body.current).height
    if (h !== state.bodyRows) dispatch({ type: 'layout', rows: h })
  })

  // What the keys resolve against: the state of the last render, advanced through the reducer
  // for each key of a chunk, so "jj" moves twice and a key that opens an input sends the rest
  // of the chunk into it.
  const keysFor = (s: TuiState) => {
    const def = visible.find((d) => d.id === s.screen) ?? visible[0]
    const sk = keysOf(def, s)
    return { sk, bindings: s === state ? active : activeBindings(globalBindings, sk, s.helpOpen, transferKey(s.transfer)) }
  }

  /** Enter in the palette: what its line says, or why not. */
  const paletteAction = (s: TuiState): Action | Command => {
    const c = paletteCommand(s, s.palette ?? OPEN_PALETTE)
    if (typeof c === 'string') return { type: 'palette/error', error: c }
    switch (c.kind) {
      case 'screen':
        if (!visible.some((d) => d.id === c.screen)) return { type: 'palette/error', error: `${c.screen} is for administrators` }
        return { type: 'showScreen', screen: c.screen }
      case 'files': return { type: 'goto', place: { screen: 'files', bucket: c.bucket, prefix: c.prefix } }
      case 'tm': return { type: 'goto', place: { screen: 'tm', bucket: c.bucket, key: c.key } }
      case 'help': return { type: 'toggleHelp' }
      case 'refresh': return { type: 'refresh' }
      case 'quit': return { type: 'quit' }
    }
  }

  // useInput re-subscribes whenever its handler changes; a stable handler reading a ref avoids
  // dropping keys typed during a re-render.
  const onKey = useRef<(input: string, key: Key) => void>(() => {})
  // Keys read before the next render resolve against the state the previous keys led to, not the
  // stale render: Enter that closes the filter, then Enter again, opens the row.
  const ahead = useRef<{ from: TuiState; to: TuiState } | null>(null)
  onKey.current = (input, key) => {
    const current = ahead.current?.from === state ? ahead.current.to : state
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
      const start = keysFor(current)
      names = start.sk.text ? chars.map(charName)
        : chars.every((c) => resolveKey(start.bindings, c)) ? chars : [input]
    }
    let s = current
    for (const name of names) {
      const { sk, bindings } = keysFor(s)
      let command: Command | Action | null = resolveKey(bindings, name) ??
        (sk.text && isPrintable(name) ? { type: 'dispatch', action: sk.text(name) } : null)
      if (!command) continue
      if (command.type === 'runPalette') {
        command = paletteAction(s)
        if (command.type !== 'palette/error') {
          dispatch({ type: 'palette/close' })
          s = reducer(s, { type: 'palette/close' })
        }
      }
      let action: Action | null = null
      switch (command.type) {
        case 'quit': exit(); return
        case 'refresh': refresh(); break
        case 'help': action = { type: 'toggleHelp' }; break
        case 'back': action = s.helpOpen ? { type: 'closeHelp' } : { type: 'back' }; break
        case 'screen': action = { type: 'showScreen', screen: command.screen }; break
        case 'cycle': {
          const i = visible.findIndex((d) => d.id === s.screen)
          action = { type: 'showScreen', screen: visible[(i + command.step + visible.length) % visible.length].id }
          break
        }
        case 'dispatch': action = command.action; break
        default: action = command as Action
      }
      if (action) {
        dispatch(action)
        s = reducer(s, action)
      }
    }
    ahead.current = { from: state, to: s }
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
  const height = bounded ? size.rows - 1 : undefined
  const width = Math.min(size.columns, MAX_WIDTH)
  const rows = state.bodyRows ?? Infinity
  const d = state.dialog
  const busy = state.pending !== null
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header width={width} url={client.baseUrl} version={version} status={state.connection} screens={visible} current={screen.id} />
      {state.problem ? <ProblemBanner problem={state.problem} since={state.problemSince} intervalSeconds={intervalSeconds} /> : null}
      {state.notice && (screen.id !== 'accounts' || state.accountDetail || state.dialog) ? <Box flexShrink={0}><NoticeLine notice={state.notice} /></Box> : null}
      <Box ref={body} flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
        {state.helpOpen
          ? <HelpOverlay global={globalBindings} screenTitle={screen.title} screen={screenKeys.bindings} intervalSeconds={intervalSeconds} auth={auth} />
          : d && fullHeight(d) ? <DialogView dialog={d} busy={busy} rows={rows} width={width} />
          : <Screen state={state} url={client.baseUrl} dispatch={dispatch} terminal={size} width={width} rows={d ? rows - dialogRows(d, width) : rows} />}
        {!state.helpOpen && d && !fullHeight(d) ? <DialogView dialog={d} busy={busy} rows={rows} width={width} /> : null}
      </Box>
      {state.palette ? <Palette palette={state.palette} candidates={candidates(state, state.palette.text)} /> : null}
      {state.transfer ? <Box flexShrink={0}><TransferBar t={state.transfer} width={width} /></Box> : null}
      <HintBar bindings={active} lastRefresh={state.lastRefresh} width={width} />
    </Box>
  )
}

/** Alternate screen: the UI owns the terminal while it runs and leaves the scrollback untouched. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H'
const LEAVE_ALT_SCREEN = '\x1b[?1049l'

/** How the TUI reaches the appliance (src/cli/tui.ts decides; tui/main.ts logs in when asked). */
export interface Connection {
  baseUrl: string
  /** The local admin token file (default mode). */
  tokenPath?: string
  /** A remote account's access key pair. */
  apiKey?: { accessKey: string; secretKey: string }
  /** A logged-in session. */
  session?: { cookie: string; csrfToken: string; email: string }
  /** From server.json: the S3 URL on this machine. */
  s3Url?: string | null
  /** Polling interval; by default 2 s with the admin token, 10 s as a remote account. */
  intervalMs?: number
}

/** The client for a connection, and what the help says about it. */
export function clientFor(c: Connection): { client: ApiClient; admin: boolean; auth?: string } {
  if (c.apiKey) return { client: createApiClient({ baseUrl: c.baseUrl, apiKey: c.apiKey }), admin: false, auth: `access key ${c.apiKey.accessKey} (X-API-Key)` }
  if (c.session) return { client: createApiClient({ baseUrl: c.baseUrl, session: c.session }), admin: false, auth: `logged in as ${c.session.email} (session)` }
  const tokens = createTokenProvider({ tokenPath: c.tokenPath ?? 'admin.token' })
  const opts: ClientOptions = { baseUrl: c.baseUrl, token: tokens.get, onTokenRejected: tokens.invalidate, describeToken: tokens.describe }
  return { client: createApiClient(opts), admin: true }
}

/** Whether the TUI can run here; the message when not. */
export function terminalProblem(): string | null {
  const { stdin, stdout } = process
  // Ink needs raw mode to read keys; without a TTY it throws deep inside React. Say it plainly.
  if (stdin.isTTY && typeof stdin.setRawMode === 'function' && stdout.isTTY) return null
  const which = !stdin.isTTY || typeof stdin.setRawMode !== 'function' ? 'stdin' : 'stdout'
  return `cloudstorage tui: needs an interactive terminal (${which} is not a TTY); for scripts use 'cloudstorage admin … --json'\n`
}

/**
 * Runs the TUI on the process's terminal until the user quits. Returns the exit code: 0 on q,
 * Ctrl+C or a termination signal; 2 when there is no terminal to run in.
 */
export async function startTui(conn: Connection): Promise<number> {
  const { stdout, stderr } = process
  const problem = terminalProblem()
  if (problem) {
    stderr.write(problem)
    return 2
  }
  const { client, admin, auth } = clientFor(conn)
  const intervalMs = conn.intervalMs ?? (admin ? POLL_INTERVAL_MS : REMOTE_POLL_INTERVAL_MS)

  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    stdout.write(LEAVE_ALT_SCREEN)
  }
  // Last resort for paths that skip the finally below (process.exit from elsewhere, a crash).
  process.once('exit', restore)
  stdout.write(ENTER_ALT_SCREEN)

  const instance = render(<App client={client} admin={admin} auth={auth} s3Url={conn.s3Url ?? null} intervalMs={intervalMs} />, { exitOnCtrlC: false, patchConsole: true })
  // A terminal that shrinks leaves the old, wider frame's lines behind: clear and repaint.
  const onResize = () => { stdout.write('\x1b[2J\x1b[H'); instance.clear(); instance.rerender(<App client={client} admin={admin} auth={auth} s3Url={conn.s3Url ?? null} intervalMs={intervalMs} />) }
  stdout.on('resize', onResize)
  // Keys arrive as input in raw mode; these come from outside (kill, closed terminal): quit cleanly.
  const onSignal = () => instance.unmount()
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
  for (const s of signals) process.on(s, onSignal)
  try {
    await instance.waitUntilExit()
  } finally {
    stdout.off('resize', onResize)
    for (const s of signals) process.off(s, onSignal)
    instance.cleanup()
    restore()
    process.off('exit', restore)
  }
  return 0
}
