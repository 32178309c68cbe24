import React, { memo } from 'react'
import { Text } from 'ink'
import type { ConnectionStatus } from '../state/reducer'

/** Symbol and word as well as colour, so the status reads the same with NO_COLOR. */
const LOOK: Record<ConnectionStatus, { symbol: string; label: string; color: string }> = {
  connecting: { symbol: '○', label: 'connecting', color: 'yellow' },
  online: { symbol: '●', label: 'online', color: 'green' },
  unreachable: { symbol: '✖', label: 'unreachable', color: 'red' },
  unauthorized: { symbol: '✖', label: 'token rejected', color: 'red' },
  failing: { symbol: '⚠', label: 'server error', color: 'yellow' },
}

export const StatusBadge = memo(function StatusBadge({ status }: { status: ConnectionStatus }) {
  const look = LOOK[status]
  return <Text color={look.color}>{look.symbol} {look.label}</Text>
})
