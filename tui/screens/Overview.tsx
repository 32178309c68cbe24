import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Overview as OverviewData } from '../client'
import { Panel } from '../components/Panel'
import { Stat } from '../components/Stat'
import { formatBytes, formatCount, formatDuration, formatRatio } from '../format'
import type { ScreenProps } from './types'

/**
 * Split from the screen so memo() compares only the data: the reducer keeps the same object
 * when a poll returns identical numbers, and then none of this re-renders.
 */
const OverviewPanels = memo(function OverviewPanels({ data, stale }: { data: OverviewData; stale: boolean }) {
  const s = data.storage
  return (
    <Box flexShrink={0}>
      <Box flexDirection="column" width="50%">
        <Panel title="Server" stale={stale}>
          <Stat label="Version" value={data.version} />
          <Stat label="Uptime" value={formatDuration(data.uptimeSeconds)} />
          <Stat label="Region" value={data.region || '—'} />
        </Panel>
        <Panel title="Traffic" stale={stale}>
          <Stat label="Requests" value={formatCount(data.requests)} />
          <Stat label="Bytes in" value={formatBytes(data.bytesIn)} />
          <Stat label="Bytes out" value={formatBytes(data.bytesOut)} />
          <Stat label="Rate-limited" value={formatCount(data.rateLimited)} warn={data.rateLimited > 0} />
          <Stat label="Quota rejected" value={formatCount(data.quotaRejected)} warn={data.quotaRejected > 0} />
        </Panel>
      </Box>
      <Box flexDirection="column" width="50%">
        <Panel title="Storage" stale={stale}>
          <Stat label="Logical size" value={formatBytes(s.logicalBytes)} />
          <Stat label="Stored on disk" value={formatBytes(s.storedBytes)} />
          <Stat label="Stored/logical" value={formatRatio(s.storedBytes, s.logicalBytes)} dim />
          <Stat label="Objects" value={formatCount(s.objects)} />
        </Panel>
        <Panel title="Tenants" stale={stale}>
          <Stat label="Accounts" value={formatCount(data.accounts)} />
          <Stat label="Buckets" value={formatCount(data.buckets)} />
          <Stat label="Multipart uploads" value={formatCount(data.multipartUploads)} />
        </Panel>
      </Box>
    </Box>
  )
})

export const Overview = memo(function Overview({ state, url }: ScreenProps) {
  const r = state.resources.overview
  if (r.data) return <OverviewPanels data={r.data} stale={r.problem !== null} />
  if (state.connection === 'connecting') return <Box paddingX={1}><Text dimColor>connecting to {url}…</Text></Box>
  // No data yet and a problem: the banner above says what is wrong; nothing else to show.
  return <Box paddingX={1}><Text dimColor>no data yet</Text></Box>
})
