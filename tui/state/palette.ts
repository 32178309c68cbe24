import type { Bucket } from '../api'
import { resource } from './common'
import { dropLast, printable } from './list'
import type { ScreenId, TuiState } from './reducer'

/**
 * The `:` command palette (k9s): a screen by name (`:buckets`), a place (`:files photos/2024/`,
 * `:tm photos/2024/img.jpg`), or `:help`, `:refresh`, `:quit`. Tab completes commands and bucket
 * names; ↑/↓ choose among the candidates.
 */

export interface PaletteState {
  text: string
  /** The highlighted candidate. */
  choice: number
  /** Why the last Enter did nothing. */
  error: string | null
}

export type PaletteAction =
  | { type: 'palette/open' }
  | { type: 'palette/type'; text: string }
  | { type: 'palette/erase' }
  | { type: 'palette/choose'; step: 1 | -1 }
  | { type: 'palette/complete' }
  | { type: 'palette/close' }
  | { type: 'palette/error'; error: string }

/** What a palette line does, decided by the App (a screen switch, a place, quit, …). */
export type PaletteCommand =
  | { kind: 'screen'; screen: ScreenId }
  | { kind: 'files'; bucket: string | null; prefix: string }
  | { kind: 'tm'; bucket: string | null; key: string | null }
  | { kind: 'help' }
  | { kind: 'refresh' }
  | { kind: 'quit' }

interface CommandDef { name: string; aliases: string[]; help: string; arg?: 'path' }

export const COMMANDS: CommandDef[] = [
  { name: 'overview', aliases: ['o', 'home'], help: 'the appliance at a glance' },
  { name: 'accounts', aliases: ['acc', 'users'], help: 'accounts (administrators)' },
  { name: 'keys', aliases: ['key', 'ak'], help: 'access keys' },
  { name: 'buckets', aliases: ['b', 'bucket'], help: 'buckets and their settings' },
  { name: 'files', aliases: ['f', 'ls'], help: 'browse: files bucket/folder/', arg: 'path' },
  { name: 'tm', aliases: ['timemachine', 'versions'], help: 'versions: tm bucket/path/file', arg: 'path' },
  { name: 'webhooks', aliases: ['wh', 'hooks'], help: 'webhooks and deliveries' },
  { name: 'shares', aliases: ['share', 'links'], help: 'share links' },
  { name: 'help', aliases: ['?'], help: 'the keys of this screen' },
  { name: 'refresh', aliases: ['r'], help: 'reload now' },
  { name: 'quit', aliases: ['q', 'exit'], help: 'leave the TUI' },
]

const SCREEN_OF: Record<string, ScreenId> = { overview: 'overview', accounts: 'accounts', keys: 'keys', buckets: 'buckets', webhooks: 'webhooks', shares: 'shares' }

export const OPEN_PALETTE: PaletteState = { text: '', choice: 0, error: null }

function findCommand(word: string): CommandDef | undefined {
  const w = word.toLowerCase()
  return COMMANDS.find((c) => c.name === w || c.aliases.includes(w))
}

/** Candidates for what is typed: command names, then bucket names for a path argument. */
export function candidates(state: TuiState, text: string): string[] {
  const m = /^(\S*)(\s+)?(.*)$/.exec(text)!
  const [, word, space, arg] = m
  if (!space) return COMMANDS.filter((c) => c.name.startsWith(word.toLowerCase())).map((c) => c.name)
  const cmd = findCommand(word)
  if (!cmd?.arg) return []
  const buckets = resource<Bucket[]>(state, 'buckets').data?.map((b) => b.name) ?? []
  if (arg.includes('/')) return []
  return buckets.filter((b) => b.startsWith(arg)).map((b) => `${cmd.name} ${b}/`)
}

/** The command for a palette line; a string says why there is none. */
export function parseCommand(text: string): PaletteCommand | string {
  const [word = '', ...rest] = text.trim().split(/\s+/)
  if (!word) return 'type a command, e.g. buckets or tm photos/2024/img.jpg'
  const cmd = findCommand(word)
  if (!cmd) return `no command '${word}' (Tab shows them)`
  const arg = rest.join(' ')
  if (cmd.name in SCREEN_OF) return { kind: 'screen', screen: SCREEN_OF[cmd.name] }
  if (cmd.name === 'help' || cmd.name === 'refresh' || cmd.name === 'quit') return { kind: cmd.name }
  // files bucket/prefix/ · tm bucket/key
  const slash = arg.indexOf('/')
  const bucket = arg ? (slash < 0 ? arg : arg.slice(0, slash)) : null
  const path = slash < 0 ? '' : arg.slice(slash + 1)
  if (cmd.name === 'files') {
    // A path naming a file opens its folder.
    return { kind: 'files', bucket, prefix: path.endsWith('/') || !path ? path : path.slice(0, path.lastIndexOf('/') + 1) }
  }
  return { kind: 'tm', bucket, key: path && !path.endsWith('/') ? path : null }
}

/**
 * What Enter runs: the line as typed when it is complete (a command, and for `files`/`tm` a
 * bucket that exists or a path with its slash); else the highlighted completion, so `:bu` runs
 * `buckets` rather than refusing what Tab would have completed. A string says why nothing runs.
 */
export function paletteCommand(state: TuiState, p: PaletteState): PaletteCommand | string {
  const typed = parseCommand(p.text)
  if (!p.text.trim()) return typed
  const buckets = resource<Bucket[]>(state, 'buckets').data
  const partialBucket = typeof typed !== 'string' && (typed.kind === 'files' || typed.kind === 'tm') && typed.bucket !== null &&
    !p.text.includes('/') && !!buckets && !buckets.some((b) => b.name === typed.bucket)
  if (typeof typed !== 'string' && !partialBucket) return typed
  const c = candidates(state, p.text)
  return c.length ? parseCommand(c[Math.min(p.choice, c.length - 1)]) : typed
}

export function paletteReducer(p: PaletteState | null, a: PaletteAction, state: TuiState): PaletteState | null {
  switch (a.type) {
    case 'palette/open': return OPEN_PALETTE
    case 'palette/close': return null
    case 'palette/error': return p && { ...p, error: a.error }
  }
  if (!p) return p
  switch (a.type) {
    case 'palette/type': {
      const t = printable(a.text)
      return t ? { text: p.text + t, choice: 0, error: null } : p
    }
    case 'palette/erase': return p.text ? { text: dropLast(p.text), choice: 0, error: null } : p
    case 'palette/choose': {
      const n = candidates(state, p.text).length
      return n ? { ...p, choice: (p.choice + a.step + n) % n } : p
    }
    case 'palette/complete': {
      const c = candidates(state, p.text)
      if (!c.length) return p
      const pick = c[Math.min(p.choice, c.length - 1)]
      // A command that takes a path gets the space after it.
      const def = findCommand(pick)
      const text = def?.arg && !pick.includes(' ') ? `${pick} ` : pick
      return { text, choice: 0, error: null }
    }
  }
}
