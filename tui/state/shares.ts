import type { Share } from '../api'
import { form, typed, type Dialog } from './dialog'
import { copied, listOf, openDialog, resource, typedName } from './common'
import { cachedRows, selectedRow, type RowRef } from './list'
import type { ResourceSpec, TuiState } from './reducer'

/** The Shares screen: share links with their limits; create, revoke, copy the URL. */

export type SharesAction =
  | { type: 'shares/new'; bucket?: string; key?: string }
  | { type: 'shares/revoke' }
  | { type: 'shares/copy' }

export interface ShareRow extends RowRef { share: Share }

export const sharesResources = (): ResourceSpec[] => [{ key: 'shares', load: (c, s) => c.listShares(s) }]

const rowsOf = cachedRows((data: Share[]): ShareRow[] =>
  [...data].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).map((s) => ({ id: s.id, text: `${s.bucket}/${s.key}`, share: s })))

export const shareRows = (state: TuiState): ShareRow[] => rowsOf(resource<Share[]>(state, 'shares').data)

export const selectedShare = (state: TuiState): Share | null => selectedRow(listOf(state, 'shares'), shareRows(state))?.share ?? null

export const EXPIRY_CHOICES: Record<string, number | null> = { '1 hour': 3600, '1 day': 86_400, '7 days': 7 * 86_400, '30 days': 30 * 86_400, never: null }

/** The form for a new share link, for a file chosen here or in the Files screen. */
export function shareForm(bucket = '', key = ''): Dialog {
  return form('newShare', 'New share link', [
    { name: 'bucket', label: 'Bucket', kind: 'text', value: bucket },
    { name: 'key', label: 'File', kind: 'text', value: key, hint: 'a key, or a folder ending in / to share everything under it' },
    { name: 'expires', label: 'Expires', kind: 'choice', value: '7 days', options: Object.keys(EXPIRY_CHOICES), hint: '←/→ to choose' },
    { name: 'maxDownloads', label: 'Downloads', kind: 'text', value: '', hint: 'most downloads allowed; empty: no limit' },
    { name: 'password', label: 'Password', kind: 'secret', value: '', hint: 'optional' },
  ])
}

/**
 * Active, or why the link no longer works: the server's status, except that an expiry passing
 * between two refreshes shows at once.
 */
export function shareStatus(s: Share, now: number): 'active' | 'revoked' | 'expired' | 'used up' | 'ended' {
  if (s.status === 'active' && s.expiresAt && Date.parse(s.expiresAt) <= now) return 'expired'
  return s.status === 'exhausted' ? 'used up' : s.status
}

export function sharesReducer(state: TuiState, action: SharesAction): TuiState {
  if (action.type === 'shares/new') return openDialog(state, shareForm(action.bucket, action.key))
  const s = selectedShare(state)
  if (!s) return state
  switch (action.type) {
    case 'shares/revoke':
      if (s.status === 'revoked') return { ...state, notice: { tone: 'error', text: 'that link is revoked already' } }
      // A revoked link cannot be turned back on: the file's (or folder's) name is typed.
      return openDialog(state, typed(`Revoke the link to ${s.bucket}/${s.key}?`, typedName(s.key),
        ['Anyone holding it can no longer download; a new link has a new URL.'], { op: 'revokeShare', id: s.id, key: s.key }))
    case 'shares/copy':
      return copied(state, s.url, 'share URL')
  }
}
