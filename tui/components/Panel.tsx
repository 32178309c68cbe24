import React, { memo, type ReactNode } from 'react'
import { Box, Text } from 'ink'

interface PanelProps {
  title: string
  /** Marks the numbers as last-known values while the server does not answer. */
  stale?: boolean
  children: ReactNode
}

export const Panel = memo(function Panel({ title, stale = false, children }: PanelProps) {
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
