import React, { memo, type ReactNode } from 'react'
import { Box, Text } from 'ink'

interface PanelProps {
  title: string
  /** Marks the numbers as last-known values while the server does not answer. */
  stale?: boolean
  children: ReactNode
  /** No border (two rows saved): for a terminal short of rows. */
  compact?: boolean
}

export const Panel = memo(function Panel({ title, stale = false, children, compact = false }: PanelProps) {
  if (compact) {
    return (
      <Box flexDirection="column" flexShrink={0} paddingX={1}>
        <Text bold underline color={stale ? 'gray' : 'cyan'}>{title}{stale ? <Text color="yellow"> (stale)</Text> : null}</Text>
        {children}
      </Box>
    )
  }
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={stale ? 'gray' : 'cyan'} paddingX={1}>
      <Text bold color={stale ? 'gray' : undefined}>
        {title}
        {stale ? <Text color="yellow"> (stale)</Text> : null}
      </Text>
      {children}
    </Box>
  )
})
