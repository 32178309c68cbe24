import { baseName } from './common'
import type { FormId, FormOutcome } from './dialog'
import { EXPIRY_CHOICES } from './shares'
import type { TuiState } from './reducer'
import { endpointHints } from './keys'

/**
 * What each form's Enter does with its values: a request, a transfer, or a message shown in
 * the form (which stays open with what was typed).
 */

const URL_EXPIRY: Record<string, number> = { '1 hour': 3600, '1 day': 86_400, '7 days': 604_800 }

/** A whole number in [min, max], '' as null; or an error message. */
function intOrEmpty(v: string, name: string, min: number, max: number): number | null | { error: string } {
  const t = v.trim()
  if (!t) return null
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) return { error: `${name} must be a whole number from ${min} to ${max}, or empty` }
  return Number(t)
}
const isError = (v: unknown): v is { error: string } => typeof v === 'object' && v !== null && 'error' in v

export function submitForm(state: TuiState, id: FormId, v: Record<string, string>, ctx: Record<string, string>): FormOutcome {
  switch (id) {
    case 'newKey':
      return { request: { op: 'createKey', name: v.name.trim(), ...endpointHints(state) } }
    case 'newBucket': {
      const name = v.name.trim()
      if (!name) return { error: 'type a name' }
      return { request: { op: 'createBucket', name } }
    }
    case 'retention': {
      const maxVersions = intOrEmpty(v.maxVersions, 'Versions', 1, 100_000)
      if (isError(maxVersions)) return maxVersions
      const maxAgeDays = intOrEmpty(v.maxAgeDays, 'Days', 0, 36_500)
      if (isError(maxAgeDays)) return maxAgeDays
      return { request: { op: 'updateBucket', name: ctx.bucket, patch: { retention: { maxVersions, maxAgeDays } }, done: `retention of ${ctx.bucket} saved` } }
    }
    case 'upload': {
      const path = v.path.trim()
      if (!path) return { error: 'type the path of a local file' }
      const name = v.key.trim() || baseName(path)
      return { transfer: { kind: 'upload', path, bucket: ctx.bucket, key: ctx.prefix + name } }
    }
    case 'download': {
      const path = v.path.trim()
      if (!path) return { error: 'type where to save it' }
      return { transfer: { kind: 'download', path, bucket: ctx.bucket, key: ctx.key } }
    }
    case 'copyUrl':
      return { request: { op: 'copyUrl', bucket: ctx.bucket, key: ctx.key, expiresIn: URL_EXPIRY[v.expires] ?? 3600 } }
    case 'newWebhook': {
      const events = v.events ? v.events.split(',') : []
      if (!events.length) return { error: 'tick at least one event (space)' }
      const body = { url: v.url.trim(), events, ...(v.bucket.trim() ? { bucket: v.bucket.trim() } : {}), ...(v.prefix ? { prefix: v.prefix } : {}) }
      return { request: { op: 'createWebhook', body } }
    }
    case 'newShare': {
      const maxDownloads = intOrEmpty(v.maxDownloads, 'Downloads', 1, 1_000_000)
      if (isError(maxDownloads)) return maxDownloads
      if (!v.bucket.trim() || !v.key.trim()) return { error: 'a share needs a bucket and a file' }
      return { request: { op: 'createShare', body: { bucket: v.bucket.trim(), key: v.key.trim(), expiresIn: EXPIRY_CHOICES[v.expires] ?? null, maxDownloads, ...(v.password ? { password: v.password } : {}) } } }
    }
    case 'accountPlan': {
      const plan = v.plan.trim()
      return { request: { op: 'setAccount', id: ctx.id, email: ctx.email, patch: { plan: plan || null }, done: `${ctx.email} is on plan ${plan || 'default'}` } }
    }
    case 'accountPassword':
      if ([...v.password].length < 10) return { error: 'at least 10 characters' }
      return { request: { op: 'resetPassword', id: ctx.id, email: ctx.email, password: v.password } }
  }
}
