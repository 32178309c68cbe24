import React, { memo } from 'react'
import { Box, Text } from 'ink'
import type { Binding } from '../keymap'
import { formatWhen } from '../format'
import { currentWebhook, deliveryRows, lastDelivery, webhookRows, webhooksList, type DeliveryRow, type WebhookRow } from '../state/webhooks'
import type { TuiState } from '../state/reducer'
import type { Column } from '../components/Table'
import { ListTable } from '../components/ListTable'
import { bind, listScreenKeys } from './list-keys'
import type { ScreenKeys, ScreenProps } from './types'

const HOOKS: Binding[] = [
  bind(['enter'], 'enter', 'the delivery log', { type: 'webhooks/open' }, { hint: true, short: 'log' }),
  bind(['n'], 'n', 'new webhook', { type: 'webhooks/new' }, { hint: true, short: 'new' }),
  bind(['t'], 't', 'send a test event', { type: 'webhooks/test' }, { hint: true, short: 'test' }),
  bind(['e'], 'e', 'enable / disable', { type: 'webhooks/toggle' }, { hint: true, short: 'on/off' }),
  bind(['d'], 'd', 'delete the webhook', { type: 'webhooks/delete' }, { hint: true, short: 'delete' }),
  bind(['S'], 'S', 'new signing secret', { type: 'webhooks/rotate' }),
]
const LOG: Binding[] = [
  bind(['enter'], 'enter', 'the delivery in full', { type: 'webhooks/open' }, { hint: true, short: 'show' }),
  bind(['R'], 'R', 'deliver it again', { type: 'webhooks/redeliver' }, { hint: true, short: 'redeliver' }),
  bind(['t'], 't', 'send a test event', { type: 'webhooks/test' }, { hint: true, short: 'test' }),
]

export const webhooksKeys = (state: TuiState): ScreenKeys =>
  listScreenKeys(state, webhooksList(state), state.webhooks.id === null ? HOOKS : LOG)

function hookColumns(state: TuiState): Column<WebhookRow>[] {
  const last = (r: WebhookRow) => lastDelivery(state, r.hook.id)
  return [
    ...HOOK_COLUMNS,
    {
      title: 'last delivery', width: 25,
      cell: (r) => { const d = last(r); return d ? `${d.status}${d.lastStatus !== null ? ` ${d.lastStatus}` : ''} ${formatWhen(d.createdAt).slice(5)}` : '' },
      color: (r) => { const d = last(r); return d?.status === 'failed' ? 'red' : d?.status === 'delivered' ? 'green' : undefined },
    },
  ]
}

const HOOK_COLUMNS: Column<WebhookRow>[] = [
  { title: 'url', width: 0, cell: (r) => r.hook.url },
  { title: 'events', width: 16, cell: (r) => (r.hook.events.length > 2 ? `${r.hook.events.length} events` : r.hook.events.join(',')) },
  { title: 'status', width: 18, cell: (r) => (r.hook.active ? (r.hook.consecutiveFailures ? `active, ${r.hook.consecutiveFailures} failing` : 'active') : `off${r.hook.disabledReason ? ': ' + r.hook.disabledReason : ''}`),
    color: (r) => (!r.hook.active ? 'yellow' : r.hook.consecutiveFailures ? 'red' : 'green') },
]

const DELIVERY_COLUMNS: Column<DeliveryRow>[] = [
  { title: 'id', width: 6, align: 'right', cell: (r) => String(r.delivery.id) },
  { title: 'status', width: 9, cell: (r) => r.delivery.status, color: (r) => (r.delivery.status === 'delivered' ? 'green' : r.delivery.status === 'failed' ? 'red' : 'yellow') },
  { title: 'http', width: 4, align: 'right', cell: (r) => (r.delivery.lastStatus === null ? '—' : String(r.delivery.lastStatus)) },
  { title: 'tries', width: 5, align: 'right', cell: (r) => String(r.delivery.attempts) },
  { title: 'when', width: 16, cell: (r) => formatWhen(r.delivery.createdAt) },
  { title: 'error', width: 0, cell: (r) => r.delivery.lastError ?? '' },
]

/** Webhooks, and the delivery log of one (Enter). */
export const Webhooks = memo(function Webhooks({ state, width, rows }: ScreenProps) {
  if (state.webhooks.id === null) {
    return (
      <ListTable state={state} id="webhooks" rows={webhookRows(state)} resource="webhooks" loading="loading webhooks…"
        columns={hookColumns(state)} width={width} height={rows} noun="webhook" empty="no webhooks: n creates one" />
    )
  }
  const hook = currentWebhook(state)
  return (
    <Box flexDirection="column" flexGrow={1}>
      <Text bold wrap="truncate-end">Deliveries to <Text color="cyan">{hook?.url ?? state.webhooks.id}</Text> · newest first</Text>
      <ListTable state={state} id="deliveries" rows={deliveryRows(state)} resource={`deliveries:${state.webhooks.id}`} loading="loading deliveries…"
        columns={DELIVERY_COLUMNS} width={width} height={rows - 1} noun="delivery" empty="nothing delivered yet: t sends a test event" />
    </Box>
  )
})
