import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { formatClock } from '../format'

interface HintBarProps {
  bindings: Binding[]
  lastRefresh: number | null
}

export const HintBar = memo(function HintBar({ bindings, lastRefresh }: HintBarProps) {
  return (
    <Box justifyContent="space-between">
      <Text>
        {bindings.filter((b) => b.hint).map((b) => (
          <Text key={b.label}><Text bold color="cyan">{b.label}</Text> {b.description}  </Text>
        ))}
      </Text>
      <Text dimColor>{lastRefresh !== null ? `updated ${formatClock(lastRefresh)}` : 'not updated yet'}</Text>
    </Box>
  )
})
