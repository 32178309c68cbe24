import type { BucketDetail, Comparison, CreatedKey, CreatedWebhook, ObjectDetails, Presigned, Purged, Restored, Undeleted } from '../api'
import type { Problem } from '../client'
import type { Plans, Share, WebhookTestResult } from '../api'
import { formatBytes, formatSeconds } from '../format'
import { editor, text, textPanel, type Dialog, type TextLine } from './dialog'
import { copied, failed, ok, problemText, selectIn, withList } from './common'
import { createdKeyPanel } from './keys'
import { planForm } from './accounts-extra'
import { EMPTY_LIST } from './list'
import type { OpRequest } from './ops'
import type { TuiState } from './reducer'

/** A preview the App read: the start of a text version, or why there is none (metadata instead). */
export type Preview =
  | { kind: 'text'; text: string; truncated: boolean; contentType: string; size: number }
  | { kind: 'binary'; contentType: string; size: number; etag: string; createdAt: string }

/** What createKey answers: the key, and where its snippets point (null: could not be read). */
export interface CreatedKeyResult { created: CreatedKey; s3Url: string | null; region: string | null }

function detailsPanel(d: ObjectDetails): Dialog {
  const lines: TextLine[] = [
    text(`Size         ${formatBytes(d.size)} (${d.size} bytes)`),
    text(`Type         ${d.contentType || '—'}`),
    text(`ETag         ${d.etag}`),
    text(`Checksum     ${d.checksum ? `${d.checksum.algorithm} ${d.checksum.value} (${d.checksum.type})` : '—'}`),
    text(`Modified     ${formatSeconds(d.lastModified)}`),
    text(`Version      ${d.versionNumber} of ${d.versions} kept`),
  ]
  const headers = Object.entries(d.headers)
  const meta = Object.entries(d.metadata)
  if (headers.length) lines.push(text(''), text('Headers', { dim: true }), ...headers.map(([k, v]) => text(`  ${k}: ${v}`)))
  lines.push(text(''), text('Metadata (x-amz-meta-*)', { dim: true }), ...(meta.length ? meta.map(([k, v]) => text(`  ${k}: ${v}`)) : [text('  none', { dim: true })]))
  return textPanel(`${d.bucket}/${d.key}`, lines, [{ key: 'c', label: 'copy key', text: d.key }])
}

/** A unified diff, coloured: additions green, removals red, hunk headers cyan. */
export function diffLines(diff: string): TextLine[] {
  return diff.replace(/\n$/, '').split('\n').map((l) =>
    l.startsWith('+++') || l.startsWith('---') ? text(l, { bold: true })
      : l.startsWith('@@') ? text(l, { color: 'cyan' })
      : l.startsWith('+') ? text(l, { color: 'green' })
      : l.startsWith('-') ? text(l, { color: 'red' })
      : text(l))
}

function comparePanel(c: Comparison): Dialog {
  const title = `${c.key}: v${c.from.versionNumber} → v${c.to.versionNumber}`
  if (c.kind === 'metadata') {
    return textPanel(title, [
      text(c.identical ? 'The two versions are identical.' : `No text diff: ${c.reason}`, { color: 'yellow' }),
      text(''),
      text(`v${c.from.versionNumber}  ${formatBytes(c.from.size)}  ${c.from.contentType}  ${c.from.etag}`),
      text(`v${c.to.versionNumber}  ${formatBytes(c.to.size)}  ${c.to.contentType}  ${c.to.etag}`),
    ])
  }
  const head = text(`+${c.stats.added} −${c.stats.removed}${c.identical ? ' · identical' : ''}`, { dim: true })
  return textPanel(title, [head, ...diffLines(c.diff)])
}

function previewPanel(req: Extract<OpRequest, { op: 'preview' }>, p: Preview): Dialog {
  const title = `${req.key} · version ${req.versionNumber}`
  if (p.kind === 'binary') {
    return textPanel(title, [
      text('Not text: its metadata', { dim: true }),
      text(`Size      ${formatBytes(p.size)}`), text(`Type      ${p.contentType}`), text(`ETag      ${p.etag}`), text(`Created   ${formatSeconds(p.createdAt)}`),
    ])
  }
  const lines = p.text.split('\n').map((l) => text(l.replace(/\t/g, '  ')))
  if (p.truncated) lines.push(text(`… (the first ${formatBytes(p.text.length)} of ${formatBytes(p.size)})`, { dim: true }))
  return textPanel(title, lines)
}

/** The next state once the App reports that `req` succeeded with `value`. */
export function settleDone(state: TuiState, req: OpRequest, value: unknown): TuiState {
  const s: TuiState = { ...state, pending: null, dialog: null }
  switch (req.op) {
    case 'createKey': {
      const r = value as CreatedKeyResult
      return selectIn({ ...s, dialog: createdKeyPanel(r.created, r.s3Url, r.region), notice: ok(`created key ${r.created.accessKey}`) }, 'keys', r.created.accessKey)
    }
    case 'revokeKey': return { ...s, notice: ok(`revoked ${req.id}`) }
    case 'createBucket': return selectIn({ ...s, notice: ok(`created bucket ${(value as BucketDetail).name}`) }, 'buckets', req.name)
    case 'updateBucket': return { ...s, notice: ok(req.done) }
    case 'deleteBucket': return { ...s, notice: ok(`deleted bucket ${req.name}${req.force ? ' and everything in it' : ''}`) }
    case 'editCors': {
      const cors = (value as BucketDetail).cors
      const template = [{ allowedOrigins: ['https://example.com'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['*'], maxAgeSeconds: 3600 }]
      return { ...s, dialog: editor(`CORS rules of ${req.name} (JSON; [] removes them)`, req.name, JSON.stringify(cors ?? template, null, 2)) }
    }
    case 'objectDetails': return { ...s, dialog: detailsPanel(value as ObjectDetails) }
    case 'deleteObject': return { ...s, notice: ok(`deleted ${req.key}`) }
    case 'copyUrl': {
      const p = value as Presigned
      return {
        ...copied(s, p.url, 'presigned URL'),
        dialog: textPanel(`Presigned URL for ${req.key}`, [text(`Valid until ${formatSeconds(p.expiresAt)} UTC; anyone with it can download.`, { dim: true }), text(p.url)], [{ key: 'c', label: 'copy again', text: p.url }]),
      }
    }
    case 'restore': return { ...s, notice: ok(`restored version ${req.versionNumber} of ${req.key}: it is now version ${(value as Restored).newVersionNumber}`) }
    case 'purge': {
      const p = value as Purged
      return { ...s, notice: ok(`purged ${p.removedVersions} version${p.removedVersions === 1 ? '' : 's'} of ${req.key}, ${formatBytes(p.freedBytes)} freed`) }
    }
    case 'undelete': return { ...s, notice: ok(`undeleted ${req.key} (version ${(value as Undeleted).versionNumber})`) }
    case 'preview': return { ...s, dialog: previewPanel(req, value as Preview) }
    case 'compare': return { ...s, dialog: comparePanel(value as Comparison) }
    case 'createWebhook': {
      const w = value as CreatedWebhook
      return selectIn({
        ...s, notice: ok(`created webhook to ${w.url}`),
        dialog: textPanel(`✔ Webhook to ${w.url}`, [text(`Signing secret  ${w.secret}`), text('⚠ Shown only this once: the receiver checks X-CloudStorage-Signature with it.', { bold: true, color: 'yellow' })],
          [{ key: 'c', label: 'copy secret', text: w.secret }], 'secret'),
      }, 'webhooks', w.id)
    }
    case 'updateWebhook': return { ...s, notice: ok(req.done) }
    case 'deleteWebhook': return { ...s, notice: ok(`deleted the webhook to ${req.url}`) }
    case 'testWebhook': {
      const r = value as WebhookTestResult
      const outcome = r.lastStatus ? `HTTP ${r.lastStatus}` : r.lastError ?? r.status
      // The delivery log of that webhook, where the test now is.
      return withList({ ...s, webhooks: { id: req.id }, notice: ok(`test event sent to ${req.url}: ${r.status} (${outcome})`) }, 'deliveries', EMPTY_LIST)
    }
    case 'redeliver': return { ...s, notice: ok(`delivery ${req.deliveryId} sent again: ${(value as WebhookTestResult).status}`) }
    case 'rotateWebhookSecret': {
      const secret = value as string
      return { ...s, dialog: textPanel(`New secret for ${req.url}`, [text(`Signing secret  ${secret}`), text('⚠ Shown only this once.', { bold: true, color: 'yellow' })], [{ key: 'c', label: 'copy secret', text: secret }], 'secret') }
    }
    case 'createShare': {
      const sh = value as Share
      return selectIn({
        ...copied(s, sh.url, 'share URL'), notice: ok(`shared ${sh.bucket}/${sh.key}; its URL is on the clipboard (OSC 52)`),
        dialog: textPanel(`✔ Share link for ${sh.key}`, [text(sh.url), text(`Expires ${formatSeconds(sh.expiresAt)} · downloads ${sh.maxDownloads ?? 'unlimited'}${sh.hasPassword ? ' · password' : ''}`, { dim: true })],
          [{ key: 'c', label: 'copy URL', text: sh.url }], 'ok'),
      }, 'shares', sh.id)
    }
    case 'revokeShare': return { ...s, notice: ok(`revoked the link to ${req.key}`) }
    case 'accountPlans': return { ...s, dialog: planForm(req, value as Plans) }
    case 'setAccount': return { ...s, notice: ok(req.done) }
    case 'resetPassword': return { ...s, notice: ok(`new password set for ${req.email}; its sessions ended`) }
  }
}

const FAILURE: Partial<Record<OpRequest['op'], (r: never) => string>> = {
  createKey: () => 'key not created',
  createBucket: (r: { name: string }) => `bucket ${r.name} not created`,
  deleteBucket: (r: { name: string }) => `bucket ${r.name} not deleted`,
  deleteObject: (r: { key: string }) => `${r.key} not deleted`,
  restore: (r: { key: string }) => `${r.key} not restored`,
  testWebhook: (r: { url: string }) => `no test event sent to ${r.url}`,
  accountPlans: () => 'the plans could not be read',
}

/** The next state once `req` failed: forms and the editor stay open to be corrected. */
export function settleFailed(state: TuiState, req: OpRequest, problem: Problem): TuiState {
  const d = state.dialog
  if (d?.kind === 'form' || d?.kind === 'editor') return { ...state, pending: null, dialog: { ...d, error: problemText(problem) } }
  const title = (FAILURE[req.op] as ((r: OpRequest) => string) | undefined)?.(req) ?? `${req.op} failed`
  return { ...state, pending: null, dialog: null, notice: failed(title, problem) }
}
