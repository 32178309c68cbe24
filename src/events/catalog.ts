/** Every event the appliance emits (`entity.pastTense`), matching the public webhook list. */
export const EVENT_TYPES = [
  'object.created', 'object.updated', 'object.deleted',
  'bucket.created', 'bucket.deleted',
  'quota.warning', 'quota.exceeded',
  'key.created', 'key.revoked',
  'share.created', 'share.downloaded',
  'account.created', 'account.deleted',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

export interface AppEvent {
  id: number
  type: EventType
  accountId: string | null
  timestamp: string
  data: Record<string, unknown>
}
