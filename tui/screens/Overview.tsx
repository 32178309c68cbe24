import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Overview as OverviewData } from '../client'
import type { Me } from '../api'
import { Panel } from '../components/Panel'
import { Stat } from '../components/Stat'
import { formatBytes, formatClock, formatCount, formatDuration, formatPercent, formatRatio } from '../format'
import { isStale } from '../state/reducer'
import type { ResourceSpec, TuiState } from '../state/reducer'
import type { ScreenProps } from './types'

type Pass = OverviewData['background']['gc']

function passText(p: Pass): string {
  if (!p) return 'not run yet'
  return `${p.ok ? '✔' : '✖'} ${formatClock(Date.parse(p.at))} ${p.detail}`
}

/**
 * Split from the screen so memo() compares only the data: the reducer keeps the same object
 * when a poll returns identical numbers, and then none of this re-renders.
 */
const AdminPanels = memo(function AdminPanels({ data, stale, compact }: { data: OverviewData; stale: boolean; compact: boolean }) {
  const s = data.storage
  const d = data.disk
  const diskLow = d.totalBytes > 0 && d.freeBytes / d.totalBytes < 0.1
  return (
    <Box flexShrink={0}>
      <Box flexDirection="column" width="50%">
        <Panel title="Server" stale={stale} compact={compact}>
          <Stat label="Version" value={data.version} />
          <Stat label="Uptime" value={formatDuration(data.uptimeSeconds)} />
          <Stat label="Region" value={data.region || '—'} />
          <Stat label="S3" value={data.urls.s3} />
          <Stat label="HTTP" value={data.urls.http} />
          <Stat label="Data" value={data.dataDir} />
          <Stat label="Disk free" value={d.totalBytes ? `${formatBytes(d.freeBytes)} of ${formatBytes(d.totalBytes)}` : '?'} warn={diskLow} />
        </Panel>
        <Panel title="Traffic" stale={stale} compact={compact}>
          <Stat label="Requests" value={formatCount(data.requests.total)} />
          <Stat label="Rate" value={`${data.requests.perSecond.toFixed(1)}/s`} />
          <Stat label="Errors (5xx)" value={formatCount(data.requests.errors)} warn={data.requests.errors > 0} />
          <Stat label="Rate-limited" value={formatCount(data.rateLimited)} warn={data.rateLimited > 0} />
          <Stat label="Quota rejected" value={formatCount(data.quotaRejected)} warn={data.quotaRejected > 0} />
        </Panel>
      </Box>
      <Box flexDirection="column" width="50%">
        <Panel title="Storage" stale={stale} compact={compact}>
          <Stat label="Logical size" value={formatBytes(s.logicalBytes)} />
          <Stat label="Stored on disk" value={formatBytes(s.storedBytes)} />
          <Stat label="Stored/logical" value={formatRatio(s.storedBytes, s.logicalBytes)} dim />
          <Stat label="Objects" value={formatCount(s.objects)} />
        </Panel>
        <Panel title="Tenants" stale={stale} compact={compact}>
          <Stat label="Accounts" value={formatCount(data.accounts)} />
          <Stat label="Buckets" value={formatCount(data.buckets)} />
          <Stat label="Multipart uploads" value={formatCount(data.multipartUploads)} />
          <Stat label="Webhook queue" value={formatCount(data.webhookQueueDepth)} warn={data.webhookQueueDepth > 100} />
        </Panel>
        <Panel title="Background" stale={stale} compact={compact}>
          <Text wrap="truncate-end" color={data.background.gc?.ok === false ? 'red' : undefined}><Text dimColor>GC </Text>{passText(data.background.gc)}</Text>
          <Text wrap="truncate-end" color={data.background.retention?.ok === false ? 'red' : undefined}><Text dimColor>Retention </Text>{passText(data.background.retention)}</Text>
        </Panel>
      </Box>
    </Box>
  )
})

/** What an account that is not an administrator sees: its own plan, quota, usage and limits. */
const AccountPanels = memo(function AccountPanels({ me, stale, compact }: { me: Me; stale: boolean; compact: boolean }) {
  const q = me.quota
  return (
    <Box flexShrink={0}>
      <Box flexDirection="column" width="50%">
        <Panel title="Account" stale={stale} compact={compact}>
          <Stat label="Email" value={me.account.email} />
          <Stat label="Plan" value={me.plan.name} />
          <Stat label="Default bucket" value={me.account.defaultBucket ?? '—'} />
        </Panel>
        <Panel title="Quota" stale={stale} compact={compact}>
          <Stat label="Used" value={`${formatBytes(q.usedBytes)} of ${formatBytes(q.bytes)} (${formatPercent(q.usedBytes, q.bytes)})`} warn={q.bytes > 0 && q.usedBytes / q.bytes >= 0.9} />
          <Stat label="Remaining" value={formatBytes(q.remainingBytes)} />
        </Panel>
      </Box>
      <Box flexDirection="column" width="50%">
        <Panel title="Usage" stale={stale} compact={compact}>
          <Stat label="Objects" value={formatCount(me.usage.objects)} />
          <Stat label="Logical size" value={formatBytes(me.usage.bytes)} />
          <Stat label="Stored on disk" value={formatBytes(me.usage.storedBytes)} />
        </Panel>
        <Panel title="Limits" stale={stale} compact={compact}>
          <Stat label="Buckets / keys" value={`${me.limits.maxBuckets} / ${me.limits.maxAccessKeys}`} />
          <Stat label="API calls" value={me.limits.rateLimits ? `${me.limits.dashboardRequestsPerMinute}/min` : 'unlimited'} />
        </Panel>
      </Box>
    </Box>
  )
})

/** Administrators see the appliance; other accounts their own account. */
export function overviewResources(state: TuiState): ResourceSpec[] {
  return state.isAdmin ? [{ key: 'overview', load: (c, s) => c.overview(s) }] : [{ key: 'me', load: (c, s) => c.me(s) }]
}

/** Rows the bordered layout needs; below it the panels lose their borders. */
const FULL_ROWS = 20

export const Overview = memo(function Overview({ state, url, rows }: ScreenProps) {
  const r = state.isAdmin ? state.resources.overview : state.resources.me
  const compact = rows < FULL_ROWS
  if (r.data) {
    return state.isAdmin ? <AdminPanels data={r.data as OverviewData} stale={isStale(state, 'overview')} compact={compact} />
      : <AccountPanels me={r.data as Me} stale={isStale(state, 'me')} compact={compact} />
  }
  if (state.connection === 'connecting') return <Box paddingX={1}><Text dimColor>connecting to {url}…</Text></Box>
  // No data yet and a problem: the banner above says what is wrong; nothing else to show.
  return <Box paddingX={1}><Text dimColor>no data yet</Text></Box>
})
