import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { ConnectionStatus, ScreenId } from '../state/reducer'
import { StatusBadge } from './StatusBadge'

interface HeaderProps {
  url: string
  version: string | null
  status: ConnectionStatus
  screens: ReadonlyArray<{ id: ScreenId; key: string; title: string }>
  current: ScreenId
}

export const Header = memo(function Header({ url, version, status, screens, current }: HeaderProps) {
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text>
          <Text bold color="cyan">CloudStorage</Text>
          {version ? <Text dimColor> v{version}</Text> : null}
          <Text dimColor> · </Text>
          <Text>{url}</Text>
        </Text>
        <StatusBadge status={status} />
      </Box>
      <Box>
        {screens.map((s) => (
          <Text key={s.id} inverse={s.id === current} bold={s.id === current}> {s.key} {s.title} </Text>
        ))}
      </Box>
    </Box>
  )
})
