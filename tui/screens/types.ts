import type { ComponentType, Dispatch } from 'react'
import type { Binding } from '../keymap'
import type { TerminalSize } from '../hooks/use-terminal-size'
import type { Action, ResourceSpec, ScreenId, TuiState } from '../state/reducer'

export interface ScreenProps {
  state: TuiState
  url: string
  dispatch: Dispatch<Action>
  /** The terminal (rows are Infinity when unknown: then lists show every row). */
  terminal: TerminalSize
  /** Columns the screen may use. */
  width: number
  /** Rows the screen body has (Infinity when the terminal does not say). */
  rows: number
}

/** A screen's keys in its current state (its list keys, or an open dialog's). */
export interface ScreenKeys {
  bindings: Binding[]
  /**
   * A dialog or input has the keyboard: the global keys (q, r, ?, screen numbers) are off, so
   * typed letters reach the input; Ctrl+C still quits.
   */
  modal: boolean
  /** What a printable key no binding claims does: typing into the focused input. */
  text?: (text: string) => Action
}

export interface ScreenDef {
  id: ScreenId
  /** The key that switches to this screen (also shown in the tab bar). */
  key: string
  title: string
  /** Fetched every poll while the screen is shown (they may depend on where the screen is). */
  resources: (state: TuiState) => ResourceSpec[]
  /** Only for administrators (hidden from other accounts). */
  adminOnly?: boolean
  component: ComponentType<ScreenProps>
  /**
   * The screen's keys for a state. Should return the same object for the same mode, so the hint
   * bar and help (memoized) re-render only when the keys really change.
   */
  keys?: (state: TuiState) => ScreenKeys
}
