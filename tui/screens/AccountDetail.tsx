import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { AccessKey, Bucket } from '../api'
import { formatBytes, formatCount, formatPercent, formatWhen, fitText } from '../format'
import { acctBucketsKey, acctKeysKey, detailAccount } from '../state/accounts-extra'
import { resource } from '../state/common'
import { Panel } from '../components/Panel'
import { Stat } from '../components/Stat'
import type { ScreenProps } from './types'

/** One account in full (Enter on the Accounts list): usage, its access keys and its buckets. */
export const AccountDetail = memo(function AccountDetail({ state, width }: ScreenProps) {
  const a = detailAccount(state)
  if (!a) return <Box paddingX={1}><Text dimColor>the account is gone (esc goes back)</Text></Box>
  const keys = resource<AccessKey[]>(state, acctKeysKey(a.id)).data
  const buckets = resource<Bucket[]>(state, acctBucketsKey(a.id)).data
  const w = Math.max(20, width - 6)
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Box>
        <Box flexDirection="column" width="50%">
          <Panel title={a.email}>
            <Stat label="Status" value={a.status} warn={a.status !== 'active'} />
            <Stat label="Administrator" value={a.isAdmin ? 'yes' : 'no'} />
            <Stat label="Plan" value={a.plan} />
            <Stat label="Created" value={formatWhen(a.createdAt)} />
          </Panel>
        </Box>
        <Box flexDirection="column" width="50%">
          <Panel title="Usage">
            <Stat label="Used" value={`${formatBytes(a.usage.bytes)} (${formatPercent(a.usage.bytes, a.quotaBytes)})`} />
            <Stat label="Quota" value={formatBytes(a.quotaBytes)} />
            <Stat label="Stored on disk" value={formatBytes(a.usage.storedBytes)} />
            <Stat label="Objects" value={formatCount(a.usage.objects)} />
          </Panel>
        </Box>
      </Box>
      <Panel title={`Access keys${keys ? ` (${keys.length})` : ''}`}>
        {keys === null ? <Text dimColor>loading…</Text> : keys.length === 0 ? <Text dimColor>none</Text>
          : keys.map((k) => <Text key={k.accessKey} wrap="truncate-end">{fitText(k.accessKey, 22)} {fitText(k.name || '—', 16)} created {formatWhen(k.createdAt)} · used {k.lastUsedAt ? formatWhen(k.lastUsedAt) : 'never'}</Text>)}
      </Panel>
      <Panel title={`Buckets${buckets ? ` (${buckets.length})` : ''}`}>
        {buckets === null ? <Text dimColor>loading…</Text> : buckets.length === 0 ? <Text dimColor>none</Text>
          : buckets.map((b) => <Text key={b.name} wrap="truncate-end">{fitText(b.name + (b.isDefault ? ' *' : ''), Math.max(12, w - 40))} {fitText(formatCount(b.usage.objects), 8, 'right')} objects {fitText(formatBytes(b.usage.bytes), 10, 'right')}{b.publicRead ? ' PUBLIC' : ''}</Text>)}
      </Panel>
    </Box>
  )
})
