/**
 * Share links and the webhook test/redeliver/rotate routes, as /work/wt/phase3-api.md declares
 * them (built in parallel by the shares + webhooks work). Called through the client's core with
 * the same credentials and error model; answers are checked for the fields the TUI reads.
 */
import { protocolError, type ClientCore } from './client'

export interface Share {
  id: string
  url: string
  token: string
  bucket: string
  key: string
  versionId: string | null
  prefix: boolean
  expiresAt: string | null
  maxDownloads: number | null
  downloads: number
  hasPassword: boolean
  createdAt: string
  revokedAt: string | null
}

export interface NewShare {
  bucket: string
  key: string
  expiresIn?: number | null
  maxDownloads?: number | null
  password?: string
}

export interface WebhookTestResult {
  id: number | string
  status: string
  lastStatus?: number | null
  lastError?: string | null
  [field: string]: unknown
}

async function json<T>(core: ClientCore, path: string, init: RequestInit & { write?: boolean }, fields: string[]): Promise<T> {
  const headers = new Headers(init.headers)
  headers.set('accept', 'application/json')
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  const timeout = AbortSignal.timeout(init.write ? 30_000 : 5000)
  const res = await core.fetch(path, { ...init, headers, signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout })
  const body = await res.json().catch(() => null) as Record<string, unknown> | null
  if (!body || typeof body !== 'object' || !fields.every((f) => f in body)) throw protocolError(core.baseUrl, path, body ? 'missing fields' : 'not JSON')
  return body as T
}

export function shareMethods(core: ClientCore) {
  const enc = encodeURIComponent
  return {
    listShares: async (signal?: AbortSignal): Promise<Share[]> => (await json<{ shares: Share[] }>(core, '/api/shares', { signal }, ['shares'])).shares,
    createShare: (body: NewShare): Promise<Share> => json<Share>(core, '/api/shares', { method: 'POST', body: JSON.stringify(body), write: true }, ['id', 'url']),
    revokeShare: async (id: string): Promise<void> => { await json(core, `/api/shares/${enc(id)}`, { method: 'DELETE', write: true }, ['success']) },
    testWebhook: (id: string): Promise<WebhookTestResult> => json<WebhookTestResult>(core, `/api/webhooks/${enc(id)}/test`, { method: 'POST', body: '{}', write: true }, ['status']),
    redeliver: (id: string, deliveryId: number): Promise<WebhookTestResult> =>
      json<WebhookTestResult>(core, `/api/webhooks/${enc(id)}/deliveries/${deliveryId}/redeliver`, { method: 'POST', body: '{}', write: true }, ['status']),
    rotateWebhookSecret: async (id: string): Promise<string> =>
      (await json<{ secret: string }>(core, `/api/webhooks/${enc(id)}/rotate-secret`, { method: 'POST', body: '{}', write: true }, ['secret'])).secret,
  }
}

export type ShareMethods = ReturnType<typeof shareMethods>
