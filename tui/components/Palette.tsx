import React, { memo } from 'react'
import { Box, Text } from 'ink'
import { COMMANDS, type PaletteState } from '../state/palette'

/** The `:` line with its candidates (Tab completes the highlighted one). */
export const Palette = memo(function Palette({ palette, candidates }: { palette: PaletteState; candidates: string[] }) {
  const shown = candidates.slice(0, 6)
  return (
    <Box flexDirection="column" flexShrink={0} borderStyle="round" borderColor="magenta" paddingX={1}>
      <Text wrap="truncate-end"><Text color="magenta" bold>:</Text>{palette.text}<Text inverse> </Text></Text>
      {shown.map((c, i) => {
        const def = COMMANDS.find((d) => d.name === c.split(' ')[0])
        return (
          <Text key={c} wrap="truncate-end" inverse={i === palette.choice}>
            {c.padEnd(24)}<Text dimColor>{c.includes(' ') ? '' : def?.help ?? ''}</Text>
          </Text>
        )
      })}
      {palette.error ? <Text color="red" wrap="truncate-end">✖ {palette.error}</Text>
        : <Text dimColor wrap="truncate-end">tab completes · ↑↓ choose · enter runs · esc closes</Text>}
    </Box>
  )
})
