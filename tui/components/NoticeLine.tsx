import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Notice } from '../state/dialog'
import { problemText } from '../state/common'

/** The outcome of the last action: one green line, or a red one with the server's words. */
export const NoticeLine = memo(function NoticeLine({ notice }: { notice: Notice }) {
  if (notice.tone === 'ok') return <Text color="green" wrap="truncate-end">✔ {notice.text}</Text>
  const p = notice.problem
  return (
    <Box flexShrink={0}>
      <Text color="red" wrap="truncate-end">
        ✖ {notice.text}{p ? `: ${problemText(p)}` : ''}{p?.requestId && p.kind === 'server' ? <Text dimColor> · request {p.requestId}</Text> : null}
      </Text>
    </Box>
  )
})
