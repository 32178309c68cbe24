import React, { memo } from 'react'
import { Box, Text } from 'ink'

interface StatProps {
  label: string
  value: string
  dim?: boolean
  /** Draws attention to a value that needs it (e.g. rejected requests above zero). */
  warn?: boolean
}

/** Label on the left, value flush right, so columns of numbers line up inside a panel. */
export const Stat = memo(function Stat({ label, value, dim = false, warn = false }: StatProps) {
  return (
    <Box justifyContent="space-between" flexShrink={0}>
      <Text dimColor>{label}</Text>
      <Text color={warn ? 'yellow' : undefined} dimColor={dim}>{value}</Text>
    </Box>
  )
})
