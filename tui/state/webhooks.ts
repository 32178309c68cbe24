import type { Delivery, Webhook } from '../api'
import type { EventType } from '../../src/events/catalog'
import { form, text, textPanel, typed, type TextLine } from './dialog'
import { listOf, openDialog, resource, selectIn, startOp, withList } from './common'
import { cachedRows, EMPTY_LIST, selectedRow, type RowRef } from './list'
import type { ListId, ResourceSpec, TuiState } from './reducer'

/** The Webhooks screen: list, create, enable/disable, delete, test; a webhook's delivery log. */

/** Every event a webhook can subscribe to (the compiler checks this against the server's list). */
export const EVENTS = [
  'object.created', 'object.updated', 'object.deleted', 'bucket.created', 'bucket.deleted', 'quota.warning', 'quota.exceeded',
  'key.created', 'key.revoked', 'share.created', 'share.downloaded', 'account.created', 'account.deleted',
] as const satisfies readonly EventType[]
// A server event missing above fails to compile here.
const allEvents: Record<Exclude<EventType, typeof EVENTS[number]>, never> = {}
void allEvents

export interface WebhooksLocation {
  /** The webhook whose deliveries are shown; null: the list of webhooks. */
  id: string | null
}

export type WebhooksAction =
  | { type: 'webhooks/new' }
  | { type: 'webhooks/open' }
  | { type: 'webhooks/toggle' }
  | { type: 'webhooks/delete' }
  | { type: 'webhooks/test' }
  | { type: 'webhooks/rotate' }
  | { type: 'webhooks/redeliver' }

export interface WebhookRow extends RowRef { hook: Webhook }
export interface DeliveryRow extends RowRef { delivery: Delivery }

const deliveriesKey = (id: string) => `deliveries:${id}`

/**
 * The list, and deliveries for its "last delivery" column: of every webhook on the appliance
 * itself (an account has at most 10), of the selected one only for a remote account, whose API
 * calls count against 30 a minute.
 */
export function webhooksResources(state: TuiState): ResourceSpec[] {
  const id = state.webhooks.id
  const list: ResourceSpec = { key: 'webhooks', load: (c, s) => c.listWebhooks(s) }
  const of = (h: string): ResourceSpec => ({ key: deliveriesKey(h), load: (c, s) => c.deliveries(h, s) })
  if (id !== null) return [list, of(id)]
  const hooks = resource<Webhook[]>(state, 'webhooks').data ?? []
  const selected = selectedRow(listOf(state, 'webhooks'), webhookRows(state))?.id
  return [list, ...hooks.filter((h) => state.local || h.id === selected).map((h) => of(h.id))]
}

/** The newest delivery of a webhook, when its log has been read. */
export function lastDelivery(state: TuiState, id: string): Delivery | null {
  return resource<Delivery[]>(state, deliveriesKey(id)).data?.[0] ?? null
}

export const webhooksList = (state: TuiState): ListId => (state.webhooks.id === null ? 'webhooks' : 'deliveries')

const hookRowsOf = cachedRows((data: Webhook[]): WebhookRow[] => data.map((h) => ({ id: h.id, text: `${h.url} ${h.events.join(' ')}`, hook: h })))
export const webhookRows = (state: TuiState): WebhookRow[] => hookRowsOf(resource<Webhook[]>(state, 'webhooks').data)

const deliveryRowsOf = cachedRows((data: Delivery[]): DeliveryRow[] =>
  data.map((d) => ({ id: String(d.id), text: `${d.id} ${d.status} ${d.lastStatus ?? ''} ${d.lastError ?? ''}`, delivery: d })))
export function deliveryRows(state: TuiState): DeliveryRow[] {
  const id = state.webhooks.id
  return deliveryRowsOf(id ? resource<Delivery[]>(state, deliveriesKey(id)).data : null)
}

export const currentWebhook = (state: TuiState): Webhook | null =>
  state.webhooks.id !== null ? resource<Webhook[]>(state, 'webhooks').data?.find((h) => h.id === state.webhooks.id) ?? null
    : selectedRow(listOf(state, 'webhooks'), webhookRows(state))?.hook ?? null

export function webhooksBack(state: TuiState): TuiState | null {
  if (state.webhooks.id === null) return null
  return selectIn({ ...state, webhooks: { id: null } }, 'webhooks', state.webhooks.id)
}

const hostOf = (url: string) => { try { return new URL(url).host } catch { return url } }

/** A delivery in full: what was sent, what came back. */
export function deliveryPanel(d: Delivery) {
  const lines: TextLine[] = [
    text(`Status      ${d.status}${d.lastStatus !== null ? ` · HTTP ${d.lastStatus}` : ''}`, { color: d.status === 'failed' ? 'red' : d.status === 'delivered' ? 'green' : 'yellow' }),
    text(`Event       ${d.event} (#${d.eventId}, ${d.kind})`),
    text(`Message id  ${d.messageId}`),
    text(`Attempts    ${d.attempts}${d.latencyMs !== null ? ` · last took ${d.latencyMs} ms` : ''}`),
    text(`Created     ${d.createdAt}`),
    text(d.finishedAt ? `Finished    ${d.finishedAt}` : `Next try    ${d.nextAttemptAt ?? '—'}`),
  ]
  if (d.lastError) lines.push(text(`Error       ${d.lastError}`, { color: 'red' }))
  if (d.requestHeaders) lines.push(text(''), text('Request headers', { dim: true }), ...Object.entries(d.requestHeaders).map(([k, v]) => text(`${k}: ${v}`)))
  if (d.responseBody) lines.push(text(''), text('Response body (first 4 KiB)', { dim: true }), ...d.responseBody.split('\n').map((l) => text(l)))
  return textPanel(`Delivery ${d.id}`, lines)
}

export function webhooksReducer(state: TuiState, action: WebhooksAction): TuiState {
  if (action.type === 'webhooks/new') {
    return openDialog(state, form('newWebhook', 'New webhook', [
      { name: 'url', label: 'URL', kind: 'text', value: 'https://', hint: 'receives a signed POST per event' },
      { name: 'events', label: 'Events', kind: 'checks', value: '', options: [...EVENTS], checked: ['object.created', 'object.deleted'], cursor: 0, hint: '←/→ move, space ticks' },
      { name: 'bucket', label: 'Bucket', kind: 'text', value: '', hint: 'only events of this bucket (optional)' },
      { name: 'prefix', label: 'Prefix', kind: 'text', value: '', hint: 'only keys starting with this (optional)' },
    ]))
  }
  if (state.webhooks.id !== null) {
    if (action.type === 'webhooks/open') {
      const row = selectedRow(listOf(state, 'deliveries'), deliveryRows(state))
      return row ? openDialog(state, deliveryPanel(row.delivery)) : state
    }
    if (action.type === 'webhooks/redeliver') {
      const row = selectedRow(listOf(state, 'deliveries'), deliveryRows(state))
      return row ? startOp(state, { op: 'redeliver', id: state.webhooks.id, deliveryId: row.delivery.id }) : state
    }
  }
  const h = currentWebhook(state)
  if (!h) return state
  switch (action.type) {
    case 'webhooks/open':
      return withList({ ...state, webhooks: { id: h.id } }, 'deliveries', EMPTY_LIST)
    case 'webhooks/toggle':
      return startOp(state, { op: 'updateWebhook', body: { id: h.id, active: !h.active }, done: `${hostOf(h.url)} ${h.active ? 'disabled' : 'enabled'}` })
    case 'webhooks/delete':
      return openDialog(state, typed(`Delete the webhook to ${h.url}?`, hostOf(h.url),
        ['Its deliveries stop and its secret is gone for good.'], { op: 'deleteWebhook', id: h.id, url: h.url }))
    case 'webhooks/test':
      return startOp(state, { op: 'testWebhook', id: h.id, url: h.url })
    case 'webhooks/rotate':
      // The old secret cannot be brought back, so the host is typed, as for a delete.
      return openDialog(state, typed(`New signing secret for ${hostOf(h.url)}?`, hostOf(h.url), [
        'For 24 hours deliveries carry signatures with both secrets; then the old one is gone for good.',
        'Give the receiver the new secret (shown once) before then.',
      ], { op: 'rotateWebhookSecret', id: h.id, url: h.url }))
    default:
      return state
  }
}
