import type { ApiClient } from './client'
import type { MutationResult } from './state/accounts'
import type { OpRequest, OpResult } from './state/ops'
import type { Pending } from './state/reducer'
import type { CreatedKeyResult, Preview } from './state/settle'

/** Bytes of a version a preview reads at most; the rest of the body is not downloaded. */
export const PREVIEW_BYTES = 64 * 1024

/** Sends a change the reducer asked for; the App reports the outcome back as an action. */
export async function performMutation(client: ApiClient, m: Pending): Promise<MutationResult | OpResult> {
  switch (m.op) {
    case 'updateAccount': return { op: m.op, account: await client.updateAccount(m.id, m.patch) }
    case 'createAccount': return { op: m.op, created: await client.createAccount(m.input) }
    case 'deleteAccount': await client.deleteAccount(m.id); return { op: m.op, id: m.id }
  }
  return { op: m.op, value: await perform(client, m as OpRequest) }
}

/**
 * The S3 URL and region for a new key's snippets: what the TUI knows (the overview, server.json),
 * else the appliance's public settings, whose S3 URL is the one this caller reaches. Never
 * fails: the key exists by now and its secret must be shown; what stays unknown is null, and the
 * panel says so.
 */
async function endpoint(client: ApiClient, s3Url: string | null, region: string | null): Promise<{ s3Url: string | null; region: string | null }> {
  if (s3Url && region) return { s3Url, region }
  const config = await client.config().catch(() => null)
  return { s3Url: s3Url ?? config?.s3Url ?? null, region: region ?? config?.region ?? null }
}

/** The start of a text version, or its metadata when it is not text. */
async function preview(client: ApiClient, versionId: string): Promise<Preview> {
  const meta = await client.versionMeta(versionId)
  const type = meta.contentType.toLowerCase()
  const texty = type.startsWith('text/') || /json|xml|yaml|javascript|csv|x-sh|toml/.test(type) || type === ''
  if (!texty) return { kind: 'binary', contentType: meta.contentType, size: meta.size, etag: meta.etag, createdAt: meta.createdAt }
  const res = await client.versionContent(versionId)
  const reader = res.body!.getReader()
  const chunks: Uint8Array[] = []
  let n = 0
  try {
    while (n < PREVIEW_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      n += value.length
    }
  } finally {
    // The rest is not needed: stop the download instead of reading it.
    await reader.cancel().catch(() => {})
  }
  const bytes = Buffer.concat(chunks).subarray(0, PREVIEW_BYTES)
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  if (text.includes('\u0000')) return { kind: 'binary', contentType: meta.contentType, size: meta.size, etag: meta.etag, createdAt: meta.createdAt }
  return { kind: 'text', text, truncated: meta.size > bytes.length, contentType: meta.contentType, size: meta.size }
}

async function perform(client: ApiClient, r: OpRequest): Promise<unknown> {
  switch (r.op) {
    case 'createKey': {
      const created = await client.createKey(r.name)
      return { created, ...(await endpoint(client, r.s3Url, r.region)) } satisfies CreatedKeyResult
    }
    case 'revokeKey': return client.revokeKey(r.id)
    case 'createBucket': return client.createBucket(r.name)
    case 'updateBucket': return client.updateBucket(r.name, r.patch)
    case 'deleteBucket': return client.deleteBucket(r.name, r.force)
    case 'editCors': return client.getBucket(r.name)
    case 'objectDetails': return client.objectDetails(r.bucket, r.key, r.versionId)
    case 'deleteObject': return client.deleteObject(r.bucket, r.key)
    case 'copyUrl': return client.presign({ bucket: r.bucket, key: r.key, operation: 'GetObject', expiresIn: r.expiresIn })
    case 'restore': return client.restoreVersion(r.versionId)
    case 'purge': return client.purgeHistory(r.bucket, r.key)
    case 'undelete': return client.undelete(r.bucket, r.key)
    case 'preview': return preview(client, r.versionId)
    case 'compare': return client.compare(r.from, r.to)
    case 'createWebhook': return client.createWebhook(r.body)
    case 'updateWebhook': return client.updateWebhook(r.body)
    case 'deleteWebhook': return client.deleteWebhook(r.id)
    case 'testWebhook': return client.testWebhook(r.id)
    case 'redeliver': return client.redeliver(r.id, r.deliveryId)
    case 'rotateWebhookSecret': return client.rotateWebhookSecret(r.id)
    case 'createShare': return client.createShare(r.body)
    case 'revokeShare': return client.revokeShare(r.id)
    case 'accountPlans': return client.plans()
    case 'setAccount': return client.updateAccount(r.id, r.patch)
    case 'resetPassword': return client.resetPassword(r.id, r.password)
  }
}

