import type { Binding, Command } from '../keymap'
import type { Action, ListId, TuiState } from '../state/reducer'
import { listOf } from '../state/common'
import type { Dialog } from '../state/dialog'
import type { Transfer } from '../state/transfer'
import type { ScreenKeys } from './types'

/**
 * Keys the newer screens share: moving in a list, the `/` filter, the dialogs, the palette and
 * the transfer bar. Each set is a constant, so the hint bar and help (memoized) re-render only
 * when the keys really change.
 */

const act = (action: Action): Command => ({ type: 'dispatch', action })
export const bind = (keys: string[], label: string, description: string, action: Action, extra: Partial<Binding> = {}): Binding =>
  ({ keys, label, description, command: act(action), ...extra })

/** `/`: the filter of the list on screen (every list screen, Accounts too). */
export const FILTER_OPEN = bind(['/'], '/', 'filter the list', { type: 'list/filter', filter: { type: 'open' } }, { hint: true, short: 'filter' })

export const NAV: Binding[] = [
  bind(['up', 'k'], '↑ k', 'previous', { type: 'list/move', to: 'up' }),
  bind(['down', 'j'], '↓ j', 'next', { type: 'list/move', to: 'down' }),
  bind(['pageup'], 'pgup', 'page up', { type: 'list/move', to: 'pageUp' }),
  bind(['pagedown'], 'pgdn', 'page down', { type: 'list/move', to: 'pageDown' }),
  bind(['home', 'g'], 'g', 'first', { type: 'list/move', to: 'first' }),
  bind(['end', 'G'], 'G', 'last', { type: 'list/move', to: 'last' }),
  FILTER_OPEN,
]

const FILTER: ScreenKeys = {
  modal: true,
  text: (t) => ({ type: 'list/filter', filter: { type: 'type', text: t } }),
  bindings: [
    bind(['enter'], 'enter', 'keep the filter', { type: 'list/filter', filter: { type: 'done' } }, { hint: true, short: 'keep' }),
    bind(['escape'], 'esc', 'clear the filter', { type: 'list/filter', filter: { type: 'clear' } }, { hint: true, short: 'clear' }),
    bind(['backspace', 'delete'], '⌫', 'erase', { type: 'list/filter', filter: { type: 'erase' } }),
  ],
}

const cancel = bind(['escape'], 'esc', 'cancel', { type: 'dialog/cancel' }, { hint: true })
const erase = bind(['backspace', 'delete'], '⌫', 'erase', { type: 'dialog/erase' })
const typeText = (t: string): Action => ({ type: 'dialog/type', text: t })

const CONFIRM: ScreenKeys = {
  modal: true,
  bindings: [
    bind(['y'], 'y', 'yes', { type: 'dialog/confirm' }, { hint: true }),
    // [y/N]: anything that says no, including Enter (the default answer).
    bind(['n', 'escape', 'enter'], 'n', 'no', { type: 'dialog/cancel' }, { hint: true }),
  ],
}

const TYPED: ScreenKeys = { modal: true, text: typeText, bindings: [bind(['enter'], 'enter', 'confirm', { type: 'dialog/submit' }, { hint: true }), cancel, erase] }

const fieldKeys = [
  bind(['tab', 'down'], 'tab', 'next field', { type: 'dialog/field', step: 1 }, { hint: true }),
  bind(['shift+tab', 'up'], 'shift+tab', 'previous field', { type: 'dialog/field', step: -1 }),
]
const FORM_TEXT: ScreenKeys = { modal: true, text: typeText, bindings: [bind(['enter'], 'enter', 'next / save', { type: 'dialog/submit' }, { hint: true }), ...fieldKeys, cancel, erase] }
const FORM_CHOICE: ScreenKeys = {
  modal: true,
  bindings: [
    bind(['enter'], 'enter', 'save', { type: 'dialog/submit' }, { hint: true }),
    bind(['left'], '←', 'previous option', { type: 'dialog/cycle', step: -1 }),
    bind(['right'], '→', 'next option', { type: 'dialog/cycle', step: 1 }, { hint: true, short: 'choose' }),
    bind([' '], 'space', 'tick / next option', { type: 'dialog/toggle' }, { hint: true, short: 'tick' }),
    ...fieldKeys, cancel,
  ],
}

function textKeys(d: Extract<Dialog, { kind: 'text' }>): ScreenKeys {
  const cached = TEXT_KEYS.get(d.copy.map((c) => c.key + c.label).join())
  if (cached) return cached
  const keys: ScreenKeys = {
    modal: true,
    bindings: [
      bind(['enter', 'escape', 'q'], 'esc', 'close', { type: 'dialog/submit' }, { hint: true }),
      ...d.copy.map((c) => bind([c.key], c.key, c.label, { type: 'dialog/copy', key: c.key }, { hint: true })),
      bind(['down', 'j'], '↓', 'scroll down', { type: 'dialog/scroll', by: 1 }),
      bind(['up', 'k'], '↑', 'scroll up', { type: 'dialog/scroll', by: -1 }),
      bind(['pagedown', ' '], 'pgdn', 'page down', { type: 'dialog/scroll', by: 10 }),
      bind(['pageup'], 'pgup', 'page up', { type: 'dialog/scroll', by: -10 }),
    ],
  }
  TEXT_KEYS.set(d.copy.map((c) => c.key + c.label).join(), keys)
  return keys
}
const TEXT_KEYS = new Map<string, ScreenKeys>()

const EDITOR: ScreenKeys = {
  modal: true,
  text: typeText,
  bindings: [
    bind(['ctrl+s'], 'ctrl+s', 'save', { type: 'dialog/submit' }, { hint: true }),
    cancel,
    bind(['enter'], 'enter', 'new line', { type: 'dialog/newline' }),
    erase,
    bind(['left'], '←', 'left', { type: 'dialog/cycle', step: -1 }),
    bind(['right'], '→', 'right', { type: 'dialog/cycle', step: 1 }),
    bind(['up'], '↑', 'line up', { type: 'dialog/line', step: -1 }),
    bind(['down'], '↓', 'line down', { type: 'dialog/line', step: 1 }),
    bind(['tab'], 'tab', 'indent', { type: 'dialog/type', text: '  ' }),
  ],
}

export function dialogKeys(d: Dialog): ScreenKeys {
  switch (d.kind) {
    case 'confirm': return CONFIRM
    case 'typed': return TYPED
    case 'form': {
      const f = d.fields[d.focus]
      return f.kind === 'choice' || f.kind === 'checks' ? FORM_CHOICE : FORM_TEXT
    }
    case 'text': return textKeys(d)
    case 'editor': return EDITOR
  }
}

const PALETTE: ScreenKeys = {
  modal: true,
  text: (t) => ({ type: 'palette/type', text: t }),
  bindings: [
    { keys: ['enter'], label: 'enter', description: 'run', command: { type: 'runPalette' }, hint: true },
    bind(['tab'], 'tab', 'complete', { type: 'palette/complete' }, { hint: true }),
    bind(['down'], '↓', 'next candidate', { type: 'palette/choose', step: 1 }),
    bind(['up'], '↑', 'previous candidate', { type: 'palette/choose', step: -1 }),
    bind(['escape'], 'esc', 'close', { type: 'palette/close' }, { hint: true }),
    bind(['backspace', 'delete'], '⌫', 'erase', { type: 'palette/erase' }),
  ],
}

/** A finished transfer's line goes away with x; a running one is cancelled with it. */
const TRANSFER_RUNNING = bind(['X'], 'X', 'cancel the transfer', { type: 'transfer/cancel' }, { hint: true, short: 'cancel' })
const TRANSFER_OVER = bind(['X'], 'X', 'hide the transfer line', { type: 'transfer/dismiss' })

/** The transfer line's key, on every screen while there is one. */
export const transferKey = (t: Transfer | null): Binding | null => (t ? (t.status === 'running' ? TRANSFER_RUNNING : TRANSFER_OVER) : null)

/**
 * The keys in effect on a newer screen before its own: a dialog's, the palette's, or the
 * filter's, all modal; null when the screen's list keys apply.
 */
export function overlayKeys(state: TuiState, filtering: boolean): ScreenKeys | null {
  if (state.dialog) return dialogKeys(state.dialog)
  if (state.palette) return PALETTE
  if (filtering) return FILTER
  return null
}

/** Every fixed key set, for the conflict test. */
export const ALL_OVERLAY_KEYS: ScreenKeys[] = [FILTER, CONFIRM, TYPED, FORM_TEXT, FORM_CHOICE, EDITOR, PALETTE]

const LIST_KEYS = new WeakMap<Binding[], ScreenKeys>()

/** A list screen's keys: an overlay's while one is open (list `id`'s filter too), else its own then moving and filtering. */
export function listScreenKeys(state: TuiState, id: ListId, own: Binding[]): ScreenKeys {
  const overlay = overlayKeys(state, listOf(state, id).filtering)
  if (overlay) return overlay
  let keys = LIST_KEYS.get(own)
  if (!keys) LIST_KEYS.set(own, (keys = { bindings: [...own, ...NAV], modal: false }))
  return keys
}
