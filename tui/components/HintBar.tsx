import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { formatClock } from '../format'

interface HintBarProps {
  /** In priority order: the first ones are kept when not all fit. */
  bindings: Binding[]
  lastRefresh: number | null
  width: number
}

const GAP = 2

/** The hints that fit in `room` columns: taken in order, skipping any that would overflow. */
export function fitHints(bindings: Binding[], room: number): Binding[] {
  const out: Binding[] = []
  let used = 0
  for (const b of bindings) {
    if (!b.hint) continue
    const w = b.label.length + 1 + (b.short ?? b.description).length + (out.length ? GAP : 0)
    if (used + w > room) continue
    out.push(b)
    used += w
  }
  return out
}

export const HintBar = memo(function HintBar({ bindings, lastRefresh, width }: HintBarProps) {
  const clock = lastRefresh !== null ? `updated ${formatClock(lastRefresh)}` : 'not updated yet'
  // One line, always: a wrapped hint bar would push the screen up by a row.
  const hints = fitHints(bindings, width - clock.length - 1)
  return (
    <Box justifyContent="space-between" flexShrink={0}>
      <Text wrap="truncate-end">
        {hints.map((b, i) => (
          <Text key={b.label}>{i ? ' '.repeat(GAP) : ''}<Text bold color="cyan">{b.label}</Text> {b.short ?? b.description}</Text>
        ))}
      </Text>
      <Text dimColor>{clock}</Text>
    </Box>
  )
})
