import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { TOKEN_ENV } from '../token'

const KEY_LABELS: Record<string, string> = { escape: 'esc' }

interface HelpOverlayProps {
  bindings: Binding[]
  intervalSeconds: number
}

export const HelpOverlay = memo(function HelpOverlay({ bindings, intervalSeconds }: HelpOverlayProps) {
  const keysOf = (b: Binding) => b.keys.map((k) => KEY_LABELS[k] ?? k).join(', ')
  const width = Math.max(...bindings.map((b) => keysOf(b).length)) + 2
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>Keys</Text>
      {bindings.map((b) => {
        const keys = keysOf(b)
        return (
          <Box key={keys}>
            <Box width={width}><Text bold color="cyan">{keys}</Text></Box>
            <Text>{b.description}</Text>
          </Box>
        )
      })}
      <Text> </Text>
      <Text dimColor>Data refreshes every {intervalSeconds}s through the HTTP admin API.</Text>
      <Text dimColor>{'Auth: the token in <data>/admin.token (--data DIR), or'}</Text>
      <Text dimColor>{`      ${TOKEN_ENV}, which wins when set.`}</Text>
    </Box>
  )
})
