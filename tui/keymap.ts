import type { Key } from 'ink'
import type { Action, ScreenId } from './state/reducer'

export type Command =
  | { type: 'quit' }
  | { type: 'refresh' }
  | { type: 'help' }
  /** Esc: closes the help, else goes back (a filter, a drill-in, the screen it came from). */
  | { type: 'back' }
  | { type: 'screen'; screen: ScreenId }
  /** Tab / Shift+Tab: the next or previous screen. */
  | { type: 'cycle'; step: 1 | -1 }
  /** Enter in the `:` palette: runs its line. */
  | { type: 'runPalette' }
  /** A screen's own key: an action for the reducer. */
  | { type: 'dispatch'; action: Action }

export interface Binding {
  /** Normalized key names as produced by keyName(): `q`, `?`, `1`, `ctrl+c`, `escape`. */
  keys: string[]
  /** How the key is written in the hint bar and the help overlay. */
  label: string
  description: string
  command: Command
  /** Shown in the always-visible hint bar (keep it to the few that matter). */
  hint?: boolean
  /** Shorter words for the hint bar, where space is tight; the help shows `description`. */
  short?: string
}

/**
 * One registry for the keys: the input handler, the hint bar and the help overlay all read it,
 * so what the help says is what the keys do.
 */
export const GLOBAL_BINDINGS: Binding[] = [
  { keys: ['q', 'ctrl+c'], label: 'q', description: 'quit', command: { type: 'quit' }, hint: true },
  // Before r: where the hint bar is short of room (a screen's keys come first), help stays.
  { keys: ['?'], label: '?', description: 'help', command: { type: 'help' }, hint: true },
  { keys: ['r'], label: 'r', description: 'refresh now', command: { type: 'refresh' }, hint: true },
  { keys: [':'], label: ':', description: 'command palette (:buckets, :tm bucket/file)', short: 'cmd', command: { type: 'dispatch', action: { type: 'palette/open' } } },
  { keys: ['tab'], label: 'tab', description: 'next screen', command: { type: 'cycle', step: 1 } },
  { keys: ['shift+tab'], label: 'shift+tab', description: 'previous screen', command: { type: 'cycle', step: -1 } },
  { keys: ['escape'], label: 'esc', description: 'back (close help, clear filter, leave a drill-in)', command: { type: 'back' } },
]

/**
 * While a dialog or an input has the keyboard, the global keys are off (`q` is a letter of an
 * email); Ctrl+C still quits, as it does everywhere.
 */
export const MODAL_QUIT: Binding = { keys: ['ctrl+c'], label: 'ctrl+c', description: 'quit', command: { type: 'quit' } }

/** Screen switch keys, derived from the screen registry so adding a screen adds its key. */
export function screenBindings(screens: ReadonlyArray<{ id: ScreenId; key: string; title: string }>): Binding[] {
  return screens.map((s) => ({ keys: [s.key], label: s.key, description: `${s.title} screen`, command: { type: 'screen', screen: s.id } }))
}

const NAMED_KEYS: Array<[keyof Key, string]> = [
  ['escape', 'escape'], ['return', 'enter'], ['tab', 'tab'], ['upArrow', 'up'], ['downArrow', 'down'],
  ['leftArrow', 'left'], ['rightArrow', 'right'], ['pageUp', 'pageup'], ['pageDown', 'pagedown'],
  ['home', 'home'], ['end', 'end'], ['backspace', 'backspace'], ['delete', 'delete'],
]

/** Ink's (input, key) pair → one name the registry can match, e.g. `ctrl+c`, `escape`, `?`. */
export function keyName(input: string, key: Key): string {
  for (const [flag, name] of NAMED_KEYS) if (key[flag]) return (key.shift && flag === 'tab') ? 'shift+tab' : name
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`
  return input
}

/** Control characters inside a chunk of typed text, as the key names bindings use. */
const CONTROL_NAMES: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', '\x7f': 'backspace', '\b': 'backspace' }

/** One character of a chunk typed into an input → a key name (`enter`) or the character itself. */
export function charName(c: string): string {
  return CONTROL_NAMES[c] ?? c
}

/** A single printable character: what an input accepts as text. */
export function isPrintable(name: string): boolean {
  return [...name].length === 1 && name >= ' ' && name !== '\x7f'
}

export function resolveKey(bindings: Binding[], name: string): Command | null {
  return bindings.find((b) => b.keys.includes(name))?.command ?? null
}

/** Keys bound more than once; the registry must have none (a test enforces it). */
export function findConflicts(bindings: Binding[]): string[] {
  const seen = new Set<string>()
  const dup = new Set<string>()
  for (const b of bindings) for (const k of b.keys) (seen.has(k) ? dup : seen).add(k)
  return [...dup]
}
