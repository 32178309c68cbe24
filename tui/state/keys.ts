import type { AccessKey, CreatedKey } from '../api'
import type { Overview } from '../client'
import { formatDay } from '../format'
import { form, text, textPanel, typed, type Dialog, type TextLine } from './dialog'
import { listOf, openDialog, resource } from './common'
import { cachedRows, selectedRow, type RowRef } from './list'
import type { ResourceSpec, TuiState } from './reducer'

/** The Keys screen: the caller's access keys; create (secret shown once), revoke. */

export type KeysAction = { type: 'keys/new' } | { type: 'keys/revoke' }

export interface KeyRow extends RowRef { key: AccessKey }

const rowsOf = cachedRows((data: AccessKey[]): KeyRow[] =>
  [...data].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.accessKey.localeCompare(b.accessKey))
    .map((k) => ({ id: k.accessKey, text: `${k.name} ${k.accessKey}`, key: k })))

export const keyRows = (state: TuiState): KeyRow[] => rowsOf(resource<AccessKey[]>(state, 'keys').data)

export const keysResources = (): ResourceSpec[] => [{ key: 'keys', load: (c, s) => c.listKeys(s) }]

/** The S3 URL and region the snippets need, when the TUI already knows them. */
export function endpointHints(state: TuiState): { s3Url: string | null; region: string | null } {
  const o = resource<Overview>(state, 'overview').data
  return { s3Url: o?.urls.s3 ?? state.s3Url, region: o?.region ?? null }
}

export function keysReducer(state: TuiState, action: KeysAction): TuiState {
  switch (action.type) {
    case 'keys/new':
      return openDialog(state, form('newKey', 'New access key', [{ name: 'name', label: 'Name', kind: 'text', value: '', hint: 'a label, e.g. laptop or backup-job' }]))
    case 'keys/revoke': {
      const row = selectedRow(listOf(state, 'keys'), keyRows(state))
      if (!row) return state
      const k = row.key
      // A key cannot be brought back, so the name (or the key itself) must be typed.
      const expect = k.name || k.accessKey
      return openDialog(state, typed(`Revoke ${k.accessKey}${k.name ? ` (${k.name})` : ''}?`, expect,
        ['Every client using it stops working at once; this cannot be undone.', `Last used: ${k.lastUsedAt ? formatDay(k.lastUsedAt) : 'never'}.`],
        { op: 'revokeKey', id: k.accessKey }))
    }
  }
}

/**
 * The panel after creating a key: the secret (once), and ready-made client configuration. An S3
 * URL or region the appliance could not tell is a placeholder in the snippets, and said so.
 */
export function createdKeyPanel(k: CreatedKey, knownUrl: string | null, knownRegion: string | null, profile = 'cloudstorage'): Dialog {
  const s3Url = knownUrl ?? '<S3 URL>'
  const region = knownRegion ?? '<region>'
  const unknown = [knownUrl ? '' : 'S3 URL', knownRegion ? '' : 'region'].filter(Boolean)
  const aws = [
    `aws configure set aws_access_key_id ${k.accessKey} --profile ${profile}`,
    `aws configure set aws_secret_access_key ${k.secretKey} --profile ${profile}`,
    `aws configure set region ${region} --profile ${profile}`,
    `aws configure set endpoint_url ${s3Url} --profile ${profile}`,
  ]
  const rclone = `rclone config create ${profile} s3 provider=Other access_key_id=${k.accessKey} secret_access_key=${k.secretKey} endpoint=${s3Url} region=${region} force_path_style=true`
  const lines: TextLine[] = [
    text(`Access key  ${k.accessKey}`),
    text(`Secret key  ${k.secretKey}`),
    text('⚠ The secret key is shown only this once: copy it now.', { bold: true, color: 'yellow' }),
    ...(unknown.length ? [text(`The ${unknown.join(' and ')} could not be read from the appliance: fill in ${unknown.map((u) => `<${u}>`).join(' and ')} below.`, { color: 'yellow' })] : []),
    text(''),
    text('AWS CLI (then: aws --profile cloudstorage s3 ls)', { dim: true }),
    ...aws.map((l) => text(l)),
    text(''),
    text('rclone', { dim: true }),
    text(rclone),
  ]
  return textPanel(`✔ Created key ${k.name || k.accessKey}`, lines, [
    { key: 'c', label: 'copy secret', text: k.secretKey },
    { key: 'a', label: 'copy aws', text: aws.join('\n') },
    { key: 'o', label: 'copy rclone', text: rclone },
  ], 'secret')
}
