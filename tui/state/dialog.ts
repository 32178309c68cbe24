import type { Problem } from '../client'
import type { OpRequest } from './ops'
import type { TransferRequest } from './transfer'
import { dropLast, printable } from './list'

/**
 * The dialogs of the newer screens, one at a time over the current screen: a yes/no question, a
 * typed confirmation for what cannot be undone, a form, a read-only text panel (details, a diff,
 * a secret shown once) and a small text editor (CORS rules). Plain data; forms name their
 * submit rule (forms.ts) rather than carrying functions.
 */

export interface TextLine {
  text: string
  color?: string
  bold?: boolean
  dim?: boolean
}

export type FieldKind = 'text' | 'secret' | 'choice' | 'checks'

export interface Field {
  name: string
  label: string
  kind: FieldKind
  value: string
  /** choice: the values to cycle through; checks: the values to tick. */
  options?: string[]
  /** checks: the ticked values. */
  checked?: string[]
  /** checks: the option under the cursor. */
  cursor?: number
  hint?: string
}

/** Something a text panel offers to copy (OSC 52): the key that copies it and what it is. */
export interface Copyable { key: string; label: string; text: string }

export type FormId =
  | 'newKey' | 'newBucket' | 'retention' | 'upload' | 'download' | 'copyUrl' | 'newWebhook' | 'newShare'
  | 'accountPlan' | 'accountPassword'

export type Dialog =
  | { kind: 'confirm'; tone: 'warn' | 'danger'; title: string; lines: string[]; request: OpRequest }
  | { kind: 'typed'; title: string; lines: string[]; expect: string; text: string; mismatch: boolean; request: OpRequest }
  | { kind: 'form'; form: FormId; title: string; fields: Field[]; focus: number; error: string | null; context: Record<string, string> }
  | { kind: 'text'; title: string; lines: TextLine[]; scroll: number; copy: Copyable[]; tone: 'info' | 'ok' | 'secret' }
  | { kind: 'editor'; title: string; bucket: string; lines: string[]; row: number; col: number; error: string | null }

/** The outcome of the last action on the newer screens, shown until the next one starts. */
export interface Notice {
  tone: 'ok' | 'error'
  text: string
  problem?: Problem
}

/** What submitting a form leads to: a request, a transfer, or a message in the form. */
export type FormOutcome = { request: OpRequest } | { transfer: TransferRequest } | { error: string }

export type DialogAction =
  | { type: 'dialog/type'; text: string }
  | { type: 'dialog/erase' }
  | { type: 'dialog/field'; step: 1 | -1 }
  /** Left/right in a choice or checks field; in the editor, the cursor. */
  | { type: 'dialog/cycle'; step: 1 | -1 }
  | { type: 'dialog/toggle' }
  | { type: 'dialog/submit' }
  | { type: 'dialog/confirm' }
  | { type: 'dialog/cancel' }
  | { type: 'dialog/scroll'; by: number }
  | { type: 'dialog/copy'; key: string }
  | { type: 'dialog/newline' }
  | { type: 'dialog/line'; step: 1 | -1 }

export const text = (t: string, style: Omit<TextLine, 'text'> = {}): TextLine => ({ text: t, ...style })

export function textPanel(title: string, lines: TextLine[], copy: Copyable[] = [], tone: 'info' | 'ok' | 'secret' = 'info'): Dialog {
  return { kind: 'text', title, lines, scroll: 0, copy, tone }
}

/** A confirmation for what cannot be undone: Enter works once `expect` is typed exactly. */
export function typed(title: string, expect: string, lines: string[], request: OpRequest): Dialog {
  return { kind: 'typed', title, lines, expect, text: '', mismatch: false, request }
}

export function form(formId: FormId, title: string, fields: Field[], context: Record<string, string> = {}): Dialog {
  const focus = Math.max(0, fields.findIndex((f) => f.kind !== 'choice' && f.kind !== 'checks'))
  return { kind: 'form', form: formId, title, fields, focus, error: null, context }
}

export function editor(title: string, bucket: string, content: string): Dialog {
  const lines = content.split('\n')
  return { kind: 'editor', title, bucket, lines, row: 0, col: 0, error: null }
}

export const fieldValues = (fields: Field[]): Record<string, string> =>
  Object.fromEntries(fields.map((f) => [f.name, f.kind === 'checks' ? (f.checked ?? []).join(',') : f.value]))

function editField(d: Extract<Dialog, { kind: 'form' }>, edit: (f: Field) => Field): Dialog {
  const f = d.fields[d.focus]
  const next = edit(f)
  if (next === f) return d
  return { ...d, error: null, fields: d.fields.map((x, i) => (i === d.focus ? next : x)) }
}

function cycleField(f: Field, step: 1 | -1): Field {
  const opts = f.options ?? []
  if (opts.length === 0) return f
  if (f.kind === 'choice') {
    const i = opts.indexOf(f.value)
    return { ...f, value: opts[(i + step + opts.length) % opts.length] }
  }
  if (f.kind === 'checks') return { ...f, cursor: ((f.cursor ?? 0) + step + opts.length) % opts.length }
  return f
}

function toggleField(f: Field): Field {
  if (f.kind === 'choice') return cycleField(f, 1)
  if (f.kind !== 'checks' || !f.options?.length) return f
  const opt = f.options[f.cursor ?? 0]
  const checked = f.checked ?? []
  return { ...f, checked: checked.includes(opt) ? checked.filter((c) => c !== opt) : f.options.filter((o) => o === opt || checked.includes(o)) }
}

/** Editor keys: the text is lines, the cursor a row and a column. */
function editText(d: Extract<Dialog, { kind: 'editor' }>, a: DialogAction): Dialog {
  const { lines, row, col } = d
  const line = lines[row]
  const set = (ls: string[], r: number, c: number): Dialog => ({ ...d, lines: ls, row: r, col: c, error: null })
  switch (a.type) {
    case 'dialog/type': {
      const t = printable(a.text)
      if (!t) return d
      return set(lines.map((l, i) => (i === row ? l.slice(0, col) + t + l.slice(col) : l)), row, col + t.length)
    }
    case 'dialog/newline':
      return set([...lines.slice(0, row), line.slice(0, col), line.slice(col), ...lines.slice(row + 1)], row + 1, 0)
    case 'dialog/erase':
      if (col > 0) return set(lines.map((l, i) => (i === row ? l.slice(0, col - 1) + l.slice(col) : l)), row, col - 1)
      if (row === 0) return d
      return set([...lines.slice(0, row - 1), lines[row - 1] + line, ...lines.slice(row + 1)], row - 1, lines[row - 1].length)
    case 'dialog/cycle': {
      if (a.step < 0) return col > 0 ? set(lines, row, col - 1) : row > 0 ? set(lines, row - 1, lines[row - 1].length) : d
      return col < line.length ? set(lines, row, col + 1) : row < lines.length - 1 ? set(lines, row + 1, 0) : d
    }
    case 'dialog/line': {
      const r = Math.min(Math.max(row + a.step, 0), lines.length - 1)
      return r === row ? d : set(lines, r, Math.min(col, lines[r].length))
    }
    default:
      return d
  }
}

/**
 * Keys inside a dialog that change only the dialog. Submitting, confirming and cancelling are
 * the root reducer's (they start requests or transfers); null for those.
 */
export function dialogReducer(d: Dialog, a: DialogAction): Dialog | null {
  if (d.kind === 'editor') return editText(d, a)
  switch (a.type) {
    case 'dialog/type': {
      const t = printable(a.text)
      if (!t) return d
      if (d.kind === 'typed') return { ...d, text: d.text + t, mismatch: false }
      if (d.kind === 'form') {
        const f = d.fields[d.focus]
        if (f.kind === 'text' || f.kind === 'secret') return editField(d, (x) => ({ ...x, value: x.value + t }))
        if (t === ' ') return editField(d, toggleField)
      }
      return d
    }
    case 'dialog/erase':
      if (d.kind === 'typed' && (d.text || d.mismatch)) return { ...d, text: dropLast(d.text), mismatch: false }
      if (d.kind === 'form') return editField(d, (f) => ((f.kind === 'text' || f.kind === 'secret') && f.value ? { ...f, value: dropLast(f.value) } : f))
      return d
    case 'dialog/field':
      if (d.kind !== 'form') return d
      return { ...d, focus: (d.focus + a.step + d.fields.length) % d.fields.length }
    case 'dialog/cycle':
      return d.kind === 'form' ? editField(d, (f) => cycleField(f, a.step)) : d
    case 'dialog/toggle':
      return d.kind === 'form' ? editField(d, toggleField) : d
    case 'dialog/scroll': {
      if (d.kind !== 'text') return d
      const scroll = Math.min(Math.max(0, d.scroll + a.by), Math.max(0, d.lines.length - 1))
      return scroll === d.scroll ? d : { ...d, scroll }
    }
    default:
      return null
  }
}
