import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { TOKEN_ENV } from '../token'

const KEY_LABELS: Record<string, string> = {
  escape: 'esc', up: '↑', down: '↓', pageup: 'pgup', pagedown: 'pgdn', ' ': 'space',
}

interface HelpOverlayProps {
  global: Binding[]
  /** The current screen's own keys, shown beside the global ones. */
  screen: Binding[]
  screenTitle: string
  intervalSeconds: number
  /** How the TUI signs in, when not with the admin token. */
  auth?: string
}

const keysOf = (b: Binding) => b.keys.map((k) => KEY_LABELS[k] ?? k).join(', ')

function KeyList({ bindings }: { bindings: Binding[] }) {
  const width = Math.max(...bindings.map((b) => keysOf(b).length)) + 2
  return (
    <>
      {bindings.map((b) => {
        const keys = keysOf(b)
        return (
          <Box key={keys}>
            <Box width={width} flexShrink={0}><Text bold color="cyan">{keys}</Text></Box>
            <Text wrap="truncate-end">{b.description}</Text>
          </Box>
        )
      })}
    </>
  )
}

/** Two columns when the screen has keys of its own, so the whole list fits an 80x24 terminal. */
export const HelpOverlay = memo(function HelpOverlay({ global, screen, screenTitle, intervalSeconds, auth }: HelpOverlayProps) {
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor="cyan" paddingX={1}>
      <Text bold>Keys</Text>
      {screen.length === 0 ? <KeyList bindings={global} /> : (
        <Box>
          <Box flexDirection="column" width="45%" paddingRight={2}>
            <Text dimColor>Everywhere</Text>
            <KeyList bindings={global} />
          </Box>
          <Box flexDirection="column" flexGrow={1}>
            <Text dimColor>{screenTitle}</Text>
            <KeyList bindings={screen} />
          </Box>
        </Box>
      )}
      <Text> </Text>
      <Text dimColor>Data refreshes every {intervalSeconds}s through the HTTP admin API.</Text>
      {auth ? <Text dimColor wrap="truncate-end">Auth: {auth}</Text> : (
        <>
          <Text dimColor>{'Auth: the token in <data>/admin.token (--data DIR), or'}</Text>
          <Text dimColor>{`      ${TOKEN_ENV}, which wins when set.`}</Text>
        </>
      )}
    </Box>
  )
})
