import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { ConnectionStatus, ScreenId } from '../state/reducer'
import { StatusBadge } from './StatusBadge'

/** Shorter titles where the full ones do not fit on one line. */
const SHORT: Record<string, string> = { 'Time Machine': 'TM', Webhooks: 'Hooks', Overview: 'Home', Accounts: 'Accts', Buckets: 'Bkts' }

/** The tab bar's labels for a width: full titles, short ones, or numbers with the current title. */
export function tabLabels(screens: ReadonlyArray<{ id: string; key: string; title: string }>, current: string, width: number): string[] {
  const full = screens.map((s) => ` ${s.key} ${s.title} `)
  if (full.join('').length <= width) return full
  const short = screens.map((s) => ` ${s.key} ${SHORT[s.title] ?? s.title} `)
  if (short.join('').length <= width) return short
  return screens.map((s) => (s.id === current ? ` ${s.key} ${s.title} ` : ` ${s.key} `))
}

interface HeaderProps {
  width: number
  url: string
  version: string | null
  status: ConnectionStatus
  screens: ReadonlyArray<{ id: ScreenId; key: string; title: string }>
  current: ScreenId
}

export const Header = memo(function Header({ width, url, version, status, screens, current }: HeaderProps) {
  const labels = tabLabels(screens, current, width)
  return (
    <Box flexDirection="column" flexShrink={0}>
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
        {screens.map((s, i) => (
          <Text key={s.id} inverse={s.id === current} bold={s.id === current}>{labels[i]}</Text>
        ))}
      </Box>
    </Box>
  )
})
