import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Dialog, Field, TextLine } from '../state/dialog'

function Frame({ color, children }: { color: string; children: React.ReactNode }) {
  return <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={color} paddingX={1}>{children}</Box>
}

/** Typed text with a block cursor; a long value shows its end, where the typing happens. */
function Input({ label, value, focused }: { label: string; value: string; focused: boolean }) {
  return (
    <Box>
      <Box flexShrink={0}><Text color={focused ? 'cyan' : undefined} bold={focused}>{label}</Text></Box>
      <Box flexGrow={1} flexShrink={1}><Text wrap="truncate-start">{value}{focused ? <Text inverse> </Text> : null}</Text></Box>
    </Box>
  )
}

function FieldLine({ field, focused }: { field: Field; focused: boolean }) {
  // The focused field has a marker as well as a colour, so it shows without colours too.
  const label = `${focused ? '›' : ' '} ${field.label.padEnd(11)}`
  switch (field.kind) {
    case 'text': return <Input label={label} value={field.value} focused={focused} />
    case 'secret': return <Input label={label} value={'•'.repeat([...field.value].length)} focused={focused} />
    case 'choice':
      return (
        <Text wrap="truncate-end">
          <Text color={focused ? 'cyan' : undefined} bold={focused}>{label}</Text>
          {/* Brackets as well as inverse: the choice shows without colours too (NO_COLOR). */}
          {(field.options ?? []).map((o) => <Text key={o} inverse={o === field.value}>{o === field.value ? `[${o}]` : ` ${o} `}</Text>)}
        </Text>
      )
    case 'checks':
      return (
        <Box flexDirection="column">
          <Text color={focused ? 'cyan' : undefined} bold={focused}>{label}<Text dimColor>{(field.checked ?? []).length} ticked</Text></Text>
          <Box flexWrap="wrap" paddingLeft={2}>
            {(field.options ?? []).map((o, i) => (
              <Text key={o} inverse={focused && i === (field.cursor ?? 0)}>{(field.checked ?? []).includes(o) ? '[x]' : '[ ]'} {o}  </Text>
            ))}
          </Box>
        </Box>
      )
  }
}

/** How many rows a text panel or the editor may use (the App passes what the body has). */
interface DialogViewProps { dialog: Dialog; busy: boolean; rows: number; width: number }

const wrapped = new WeakMap<TextLine[], Map<number, TextLine[]>>()

/** Long lines (a URL, a secret in a command) are wrapped, not cut: they are there to be read whole. */
export function wrapLines(lines: TextLine[], width: number): TextLine[] {
  let byWidth = wrapped.get(lines)
  if (!byWidth) wrapped.set(lines, (byWidth = new Map()))
  let out = byWidth.get(width)
  if (!out) {
    out = lines.flatMap((l) => {
      const chars = [...l.text]
      if (chars.length <= width) return [l]
      const parts: TextLine[] = []
      for (let i = 0; i < chars.length; i += width) parts.push({ ...l, text: chars.slice(i, i + width).join('') })
      return parts
    })
    byWidth.set(width, out)
  }
  return out
}

/** The open dialog of the newer screens. */
export const DialogView = memo(function DialogView({ dialog: d, busy, rows, width }: DialogViewProps) {
  switch (d.kind) {
    case 'confirm':
      return (
        <Frame color={d.tone === 'danger' ? 'red' : 'yellow'}>
          <Text bold wrap="truncate-end">{d.title}</Text>
          {d.lines.map((l, i) => <Text key={i} wrap="truncate-end">{l}</Text>)}
          <Text wrap="truncate-end">{busy ? <Text dimColor>working…</Text> : <Text>[y/N]</Text>}</Text>
        </Frame>
      )
    case 'typed':
      return (
        <Frame color="red">
          <Text bold color="red" wrap="truncate-end">{d.title}</Text>
          {d.lines.map((l, i) => <Text key={i} wrap="truncate-end">{l}</Text>)}
          {d.mismatch ? <Text color="red" wrap="truncate-end">✖ That is not it; type “{d.expect}” exactly.</Text> : null}
          {busy ? <Text>working…</Text> : <Input label={`Type “${d.expect}” to confirm: `} value={d.text} focused />}
        </Frame>
      )
    case 'form': {
      const hint = d.fields[d.focus]?.hint
      return (
        <Frame color="cyan">
          <Text bold wrap="truncate-end">{d.title}{busy ? <Text dimColor> · working…</Text> : null}</Text>
          {d.fields.map((f, i) => <FieldLine key={f.name} field={f} focused={!busy && i === d.focus} />)}
          {d.error ? <Text color="red" wrap="truncate-end">✖ {d.error}</Text> : hint ? <Text dimColor wrap="truncate-end">{hint}</Text> : null}
        </Frame>
      )
    }
    case 'text': {
      const lines = wrapLines(d.lines, Math.max(10, width - 4))
      const room = Number.isFinite(rows) ? Math.max(1, rows - 3 - (d.copy.length ? 1 : 0)) : lines.length
      const shown = lines.slice(d.scroll, d.scroll + room)
      const more = lines.length - d.scroll - shown.length
      return (
        <Frame color={d.tone === 'secret' ? 'green' : d.tone === 'ok' ? 'green' : 'cyan'}>
          <Text bold wrap="truncate-end">{d.title}{lines.length > room ? <Text dimColor> · lines {d.scroll + 1}–{d.scroll + shown.length} of {lines.length}</Text> : null}</Text>
          {shown.map((l, i) => <Text key={d.scroll + i} wrap="truncate-end" color={l.color} bold={l.bold} dimColor={l.dim}>{l.text || ' '}</Text>)}
          {more > 0 ? <Text dimColor>↓ {more} more</Text> : null}
          {d.copy.length ? <Text dimColor wrap="truncate-end">{d.copy.map((c) => `${c.key} ${c.label}`).join(' · ')} (to the clipboard, OSC 52)</Text> : null}
        </Frame>
      )
    }
    case 'editor': {
      const room = Number.isFinite(rows) ? Math.max(1, rows - 4) : d.lines.length
      const top = Math.max(0, Math.min(d.row - Math.floor(room / 2), d.lines.length - room))
      return (
        <Frame color="cyan">
          <Text bold wrap="truncate-end">{d.title}{busy ? <Text dimColor> · saving…</Text> : null}</Text>
          {d.lines.slice(top, top + room).map((l, i) => {
            const r = top + i
            if (r !== d.row || busy) return <Text key={r} wrap="truncate-end">{l || ' '}</Text>
            return <Text key={r} wrap="truncate-end">{l.slice(0, d.col)}<Text inverse>{l[d.col] ?? ' '}</Text>{l.slice(d.col + 1)}</Text>
          })}
          {d.error ? <Text color="red" wrap="truncate-end">✖ {d.error}</Text> : <Text dimColor>ctrl+s saves · esc cancels</Text>}
        </Frame>
      )
    }
  }
})

/** Panels that need the body's height (details, diffs, the editor) take it; others sit below the list. */
export const fullHeight = (d: Dialog) => d.kind === 'text' || d.kind === 'editor'

/** Rows a dialog below the list takes (its border, title, lines and footer). */
export function dialogRows(d: Dialog, width: number): number {
  switch (d.kind) {
    case 'confirm': return 4 + d.lines.length
    case 'typed': return 4 + d.lines.length + (d.mismatch ? 1 : 0)
    case 'form': return 4 + d.fields.reduce((n, f) => n + (f.kind === 'checks' ? 1 + Math.ceil((f.options ?? []).reduce((w, o) => w + o.length + 6, 0) / Math.max(20, width - 6)) : 1), 0)
    default: return 0
  }
}
