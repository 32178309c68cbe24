import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Problem } from '../client'
import { formatClock } from '../format'

interface ProblemBannerProps {
  problem: Problem
  since: number | null
  intervalSeconds: number
}

export const ProblemBanner = memo(function ProblemBanner({ problem, since, intervalSeconds }: ProblemBannerProps) {
  const color = problem.kind === 'server' || problem.kind === 'protocol' ? 'yellow' : 'red'
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor={color} paddingX={1}>
      <Text color={color} bold wrap="truncate-end">✖ {problem.message}</Text>
      {problem.hint ? <Text>{problem.hint}</Text> : null}
      <Text dimColor wrap="truncate-end">
        {since !== null ? `since ${formatClock(since)} · ` : ''}retrying every {intervalSeconds}s · r retries now
        {problem.requestId && problem.kind === 'server' ? ` · request ${problem.requestId}` : ''}
      </Text>
    </Box>
  )
})
