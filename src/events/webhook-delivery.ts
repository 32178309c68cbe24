import { createHmac } from 'node:crypto'
import type { DeliveryRow, WebhookRow } from '../db/repos/webhooks'
import type { EventRow } from '../db/repos/events'
import { openSecret } from '../auth/master-key'
import { BlockedTargetError, resolveTarget, type Allowlist } from './ssrf'

/** An attempt gives up after this long (connect, send, the answer's headers and excerpt). */
export const TIMEOUT_MS = 10_000
/** How much of an answer the delivery log keeps. */
export const RESPONSE_EXCERPT_BYTES = 4096
/** After a rotation, the previous secret keeps signing this long (both signatures are sent). */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000

/**
 * The spec's X-CloudStorage-Signature: hex HMAC-SHA256 of the raw body, keyed with the secret
 * string as shown (`whsec_…`), exactly as the published verification snippet computes it.
 */
export const signPayload = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex')

/**
 * The Standard Webhooks key: the bytes the secret's base64 encodes after the `whsec_` prefix
 * (the standard's secret serialization). Secrets made before this used the URL-safe alphabet;
 * Node's base64 decoder reads both, so their signatures are the same bytes either way.
 */
export const standardKey = (secret: string) => Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64')

/** One Standard Webhooks `v1` signature: base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`. */
export const standardSignature = (secret: string, messageId: string, timestamp: number, body: string) =>
  'v1,' + createHmac('sha256', standardKey(secret)).update(`${messageId}.${timestamp}.${body}`).digest('base64')

/** The webhook-id of an event: the same for every attempt and every redelivery of it. */
export const messageIdOf = (eventId: number) => `msg_${eventId}`

/** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
export interface SigningSecrets {
  current: string
  previous: string | null
}

export function signingSecrets(masterKey: Buffer, w: WebhookRow, now: number): SigningSecrets {
  const current = openSecret(masterKey, w.secretEnc, w.id)
  const previous = w.previousSecretEnc && w.previousUntil !== null && w.previousUntil > now ? openSecret(masterKey, w.previousSecretEnc, w.id) : null
  return { current, previous }
}

/** The body every attempt of an event sends (serialized once; the signatures sign these bytes). */
export const deliveryBody = (event: Pick<EventRow, 'type' | 'createdAt' | 'payloadJson'>) =>
  JSON.stringify({ event: event.type, timestamp: new Date(event.createdAt).toISOString(), data: JSON.parse(event.payloadJson) })

/**
 * The headers of one attempt. The spec's: X-CloudStorage-Signature (hex HMAC of the body under
 * the current secret), plus X-CloudStorage-Signature-Previous under the previous secret during a
 * rotation. Standard Webhooks: webhook-id (stable across retries and redeliveries),
 * webhook-timestamp (this attempt, Unix seconds) and webhook-signature (`v1,<base64>` of
 * `id.timestamp.body`; during a rotation two, space-separated, the current one first).
 */
export function deliveryHeaders(o: {
  webhookId: string
  deliveryId: number
  eventId: number
  eventType: string
  attempt: number
  secrets: SigningSecrets
  body: string
  nowMs: number
}): Record<string, string> {
  const messageId = messageIdOf(o.eventId)
  const timestamp = Math.floor(o.nowMs / 1000)
  const { current, previous } = o.secrets
  const signatures = [standardSignature(current, messageId, timestamp, o.body)]
  if (previous) signatures.push(standardSignature(previous, messageId, timestamp, o.body))
  return {
    'content-type': 'application/json',
    'user-agent': 'CloudStorage-Webhooks/1',
    'x-cloudstorage-signature': signPayload(current, o.body),
    ...(previous ? { 'x-cloudstorage-signature-previous': signPayload(previous, o.body) } : {}),
    'x-cloudstorage-event': o.eventType,
    'x-cloudstorage-delivery': String(o.deliveryId),
    'x-cloudstorage-webhook': o.webhookId,
    'x-cloudstorage-attempt': String(o.attempt),
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures.join(' '),
  }
}

/** What one attempt did, as the delivery log shows it. */
export interface AttemptResult {
  /** The answer's status, or null when there was none (blocked, refused, timed out). */
  status: number | null
  /** Null on a 2xx. */
  error: string | null
  /** From sending to the answer's headers (or to the failure). */
  latencyMs: number
  /** The first 4 KiB of the answer (as text). */
  responseBody: string | null
  requestHeaders: Record<string, string>
}

/** The first `max` bytes of a body, then the rest is dropped unread. */
async function excerpt(body: ReadableStream<Uint8Array> | null, max: number): Promise<string | null> {
  if (!body) return null
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let n = 0
  try {
    while (n < max) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      n += value.byteLength
    }
  } catch {
    // A body cut off midway: what arrived is still worth showing.
  } finally {
    reader.cancel().catch(() => {})
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8')
}

/**
 * One POST to a webhook's URL: the SSRF check on the addresses DNS gives now (plain http then
 * connects to the checked address itself, no rebinding window; https must use the name for its
 * certificate, after the same check), no redirects, a timeout, 2xx is success.
 */
export async function attemptDelivery(url: string, allow: Allowlist, headers: Record<string, string>, body: string): Promise<AttemptResult> {
  const started = performance.now()
  let status: number | null = null
  let error: string | null = null
  let responseBody: string | null = null
  let latencyMs: number | null = null
  try {
    const u = new URL(url)
    const address = await resolveTarget(u, allow)
    const target = u.protocol === 'http:' ? `http://${address.includes(':') ? `[${address}]` : address}${u.port ? `:${u.port}` : ''}${u.pathname}${u.search}` : u.toString()
    const signal = AbortSignal.timeout(TIMEOUT_MS)
    const res = await fetch(target, { method: 'POST', redirect: 'manual', signal, headers: { host: u.host, ...headers }, body })
    latencyMs = Math.round(performance.now() - started)
    status = res.status
    responseBody = await excerpt(res.body, RESPONSE_EXCERPT_BYTES)
    if (status < 200 || status >= 300) error = `HTTP ${status}`
  } catch (e) {
    error = e instanceof BlockedTargetError ? `blocked: ${e.message}` : (e as Error).name === 'TimeoutError' ? `timed out after ${TIMEOUT_MS} ms` : (e as Error).message
  }
  return { status, error, latencyMs: latencyMs ?? Math.round(performance.now() - started), responseBody, requestHeaders: headers }
}

/** The delivery row's fields an attempt's result sets (the caller decides status and retries). */
export const attemptFields = (r: AttemptResult): Pick<DeliveryRow, 'lastStatus' | 'lastError' | 'requestHeadersJson' | 'responseBody' | 'latencyMs'> => ({
  lastStatus: r.status, lastError: r.error, requestHeadersJson: JSON.stringify(r.requestHeaders), responseBody: r.responseBody, latencyMs: r.latencyMs,
})
