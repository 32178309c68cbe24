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

function KeyList({ bindings: all }: { bindings: Binding[] }) {
  // The screen number keys take one line: "1–8  Overview · Accounts · …".
  const screens = all.filter((b) => b.command.type === 'screen')
  // So are the keys that move in a list.
  const isMove = (b: Binding) => b.command.type === 'dispatch' && /\/move$/.test(b.command.action.type)
  const moves = all.filter(isMove)
  const bindings = all.filter((b) => b.command.type !== 'screen' && !isMove(b))
  const width = Math.max(...bindings.map((b) => keysOf(b).length), 3) + 2
  return (
    <>
      {screens.length ? (
        <Box>
          <Box width={width} flexShrink={0}><Text bold color="cyan">{screens[0].label}–{screens.at(-1)!.label}</Text></Box>
          <Text wrap="wrap">{screens.map((b) => `${b.label} ${b.description.replace(/ screen$/, '')}`).join(' · ')}</Text>
        </Box>
      ) : null}
      {moves.length ? (
        <Box>
          <Box width={width} flexShrink={0}><Text bold color="cyan">↑↓</Text></Box>
          <Text wrap="truncate-end">move: {moves.map((b) => b.keys.map((k) => KEY_LABELS[k] ?? k).join('/')).join(' ')}</Text>
        </Box>
      ) : null}
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
      <Text bold>Keys · {screenTitle}</Text>
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
      <Text dimColor wrap="truncate-end">Data refreshes every {intervalSeconds}s through the HTTP API.</Text>
      {auth ? <Text dimColor wrap="truncate-end">Auth: {auth}</Text> : (
        <>
          <Text dimColor>{'Auth: the token in <data>/admin.token (--data DIR), or'}</Text>
          <Text dimColor>{`      ${TOKEN_ENV}, which wins when set.`}</Text>
        </>
      )}
    </Box>
  )
})
