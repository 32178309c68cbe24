/**
 * The API calls of the screens beyond Overview and Accounts, on the same typed Eden client and
 * error model (client.ts). Answers are checked for the fields the TUI reads, so a different
 * service on the port is a clear protocol error rather than `undefined` on screen.
 */
import type { Answer, Api, ClientCore } from './client'
import { parseSuccess } from './client'

type A = Api['api']
type BucketApi = ReturnType<A['buckets']>

export type PublicConfig = Answer<A['config']['get']>
export type Me = Answer<A['me']['get']>
export type Plans = Answer<A['admin']['plans']['get']>
export type AccessKey = Answer<A['keys']['get']>['keys'][number]
export type CreatedKey = Answer<A['keys']['post']>
export type Bucket = Answer<A['buckets']['get']>['buckets'][number]
export type BucketDetail = Answer<BucketApi['get']>
export type BucketPatch = NonNullable<Parameters<BucketApi['patch']>[0]>
export type CorsRule = NonNullable<BucketPatch['cors']>[number]
export type ObjectPage = Answer<BucketApi['objects']['get']>
export type ListedObject = ObjectPage['objects'][number]
export type ObjectDetails = Answer<BucketApi['object']['get']>
export type PresignRequest = NonNullable<Parameters<A['presign']['post']>[0]>
export type Presigned = Answer<A['presign']['post']>
type VersionsAnswer = Answer<A['versions']['get']>
export type VersionList = Extract<VersionsAnswer, { versions: unknown }>
export type Version = VersionList['versions'][number]
export type VersionedFiles = Extract<VersionsAnswer, { files: unknown }>
export type VersionedFile = VersionedFiles['files'][number]
export type DeletedFiles = Answer<A['versions']['deleted']['get']>
export type DeletedFile = DeletedFiles['files'][number]
export type Comparison = Answer<A['versions']['compare']['get']>
export type Restored = Answer<A['versions']['patch']>
export type Purged = Answer<A['versions']['delete']>
export type Undeleted = Answer<A['versions']['undelete']['post']>
export type VersionMeta = Extract<Answer<ReturnType<A['versions']>['get']>, { versionId: string }>
export type Webhook = Answer<A['webhooks']['get']>['webhooks'][number]
export type NewWebhook = NonNullable<Parameters<A['webhooks']['post']>[0]>
export type CreatedWebhook = Answer<A['webhooks']['post']>
export type WebhookPatch = NonNullable<Parameters<A['webhooks']['patch']>[0]>
export type Delivery = Answer<ReturnType<A['webhooks']>['deliveries']['get']>['deliveries'][number]
export type WebhookTestResult = Answer<ReturnType<A['webhooks']>['test']['post']>
export type Share = Answer<A['shares']['get']>['shares'][number]
export type NewShare = NonNullable<Parameters<A['shares']['post']>[0]>

/** The answer checked for the fields the TUI reads (it is typed by the route declaration). */
const has = <T>(...fields: string[]) => (body: unknown): T | null => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null
  return fields.every((f) => f in (body as object)) ? (body as T) : null
}
const listOf = <T>(field: string) => (body: unknown): T[] | null => {
  const list = (body as Record<string, unknown> | null)?.[field]
  return Array.isArray(list) && list.every((x) => x && typeof x === 'object') ? (list as T[]) : null
}

const enc = encodeURIComponent

/** Every API call the screens make, built on the client's core (credentials, errors, timeouts). */
export function apiMethods(core: ClientCore) {
  const { api, request } = core
  const bucket = (name: string) => api.api.buckets({ name: enc(name) })
  const read = <T>(path: string, send: Parameters<typeof request<T>>[1], parse: (b: unknown) => T | null, signal?: AbortSignal) =>
    request<T>(path, send, { parse, auth: true, signal })
  const write = <T>(path: string, send: Parameters<typeof request<T>>[1], parse: (b: unknown) => T | null, signal?: AbortSignal) =>
    request<T>(path, send, { parse, auth: true, write: true, signal })
  const ok = async (p: Promise<true>) => { await p }

  return {
    me: (signal?: AbortSignal) => read<Me>('/api/me', (i) => api.api.me.get(i), has('account', 'plan', 'quota', 'usage', 'limits'), signal),
    /** The appliance's public settings: its S3 URL as this caller reaches it, and its region. */
    config: (signal?: AbortSignal) => request<PublicConfig>('/api/config', (i) => api.api.config.get(i), { parse: has('s3Url', 'region'), auth: false, signal }),

    listKeys: (signal?: AbortSignal) => read<AccessKey[]>('/api/keys', (i) => api.api.keys.get(i), listOf('keys'), signal),
    createKey: (name: string) => write<CreatedKey>('/api/keys', (i) => api.api.keys.post({ name }, i), has('accessKey', 'secretKey', 'name')),
    revokeKey: (id: string) => ok(write('/api/keys', (i) => api.api.keys.delete(undefined as never, { ...i, query: { id } }), parseSuccess)),

    listBuckets: (signal?: AbortSignal) => read<Bucket[]>('/api/buckets', (i) => api.api.buckets.get(i), listOf('buckets'), signal),
    getBucket: (name: string, signal?: AbortSignal) => read<BucketDetail>(`/api/buckets/${name}`, (i) => bucket(name).get(i), has('name', 'cors', 'usage'), signal),
    createBucket: (name: string) => write<BucketDetail>('/api/buckets', (i) => api.api.buckets.post({ name }, i), has('name', 'usage')),
    updateBucket: (name: string, patch: BucketPatch) => write<BucketDetail>(`/api/buckets/${name}`, (i) => bucket(name).patch(patch, i), has('name', 'usage')),
    deleteBucket: (name: string, force: boolean) =>
      ok(write(`/api/buckets/${name}`, (i) => bucket(name).delete(undefined as never, { ...i, query: force ? { force: 'true' } : {} }), parseSuccess)),

    listObjects: (name: string, q: { prefix?: string; delimiter?: string; cursor?: string; limit?: number }, signal?: AbortSignal) =>
      read<ObjectPage>(`/api/buckets/${name}/objects`, (i) => bucket(name).objects.get({ ...i, query: q }), has('objects', 'prefixes', 'nextCursor'), signal),
    objectDetails: (name: string, key: string, versionId?: string, signal?: AbortSignal) =>
      read<ObjectDetails>(`/api/buckets/${name}/object`, (i) => bucket(name).object.get({ ...i, query: versionId ? { key, versionId } : { key } }), has('key', 'size', 'versions', 'metadata'), signal),
    deleteObject: (name: string, key: string) => ok(write(`/api/buckets/${name}/object`, (i) => bucket(name).object.delete(undefined as never, { ...i, query: { key } }), parseSuccess)),
    presign: (body: PresignRequest, signal?: AbortSignal) => write<Presigned>('/api/presign', (i) => api.api.presign.post(body, i), has('url', 'method', 'headers'), signal),

    versionedFiles: (name: string, q: { cursor?: string; limit?: number }, signal?: AbortSignal) =>
      read<VersionedFiles>('/api/versions', (i) => api.api.versions.get({ ...i, query: { bucket: name, ...q } }), has('files', 'nextCursor'), signal),
    versions: (name: string, key: string, signal?: AbortSignal) =>
      read<VersionList>('/api/versions', (i) => api.api.versions.get({ ...i, query: { bucket: name, key } }), has('versions', 'key'), signal),
    deletedFiles: (name: string, q: { cursor?: string; limit?: number }, signal?: AbortSignal) =>
      read<DeletedFiles>('/api/versions/deleted', (i) => api.api.versions.deleted.get({ ...i, query: { bucket: name, ...q } }), has('files', 'nextCursor'), signal),
    versionMeta: (versionId: string, signal?: AbortSignal) =>
      read<VersionMeta>(`/api/versions/${versionId}`, (i) => api.api.versions({ versionId: enc(versionId) }).get({ ...i, query: { meta: 'true' } }), has('versionId', 'contentType', 'size'), signal),
    /** A version's bytes as a stream (the caller reads what it needs and cancels the rest). */
    versionContent: (versionId: string, signal?: AbortSignal) => core.fetch(`/api/versions/${enc(versionId)}`, { signal }),
    compare: (from: string, to: string, signal?: AbortSignal) =>
      read<Comparison>('/api/versions/compare', (i) => api.api.versions.compare.get({ ...i, query: { from, to } }), has('kind', 'from', 'to'), signal),
    restoreVersion: (versionId: string) => write<Restored>('/api/versions', (i) => api.api.versions.patch({ versionId }, i), has('newVersionNumber')),
    purgeHistory: (name: string, key: string) => write<Purged>('/api/versions', (i) => api.api.versions.delete(undefined as never, { ...i, query: { bucket: name, key } }), has('removedVersions', 'freedBytes')),
    undelete: (name: string, key: string) => write<Undeleted>('/api/versions/undelete', (i) => api.api.versions.undelete.post({ bucket: name, key }, i), has('versionNumber')),

    listWebhooks: (signal?: AbortSignal) => read<Webhook[]>('/api/webhooks', (i) => api.api.webhooks.get(i), listOf('webhooks'), signal),
    createWebhook: (body: NewWebhook) => write<CreatedWebhook>('/api/webhooks', (i) => api.api.webhooks.post(body, i), has('id', 'secret')),
    updateWebhook: (body: WebhookPatch) => write<Webhook>('/api/webhooks', (i) => api.api.webhooks.patch(body, i), has('id', 'active')),
    deleteWebhook: (id: string) => ok(write('/api/webhooks', (i) => api.api.webhooks.delete(undefined as never, { ...i, query: { id } }), parseSuccess)),
    deliveries: (id: string, signal?: AbortSignal) =>
      read<Delivery[]>(`/api/webhooks/${id}/deliveries`, (i) => api.api.webhooks({ id: enc(id) }).deliveries.get(i), listOf('deliveries'), signal),

    plans: (signal?: AbortSignal) => read<Plans>('/api/admin/plans', (i) => api.api.admin.plans.get(i), has('defaultPlan', 'plans'), signal),
    resetPassword: (id: string, password: string) =>
      ok(write(`/api/admin/accounts/${id}/password`, (i) => api.api.admin.accounts({ id: enc(id) }).password.post({ password }, i), parseSuccess)),
    accountKeys: (id: string, signal?: AbortSignal) =>
      read<AccessKey[]>(`/api/admin/accounts/${id}/keys`, (i) => api.api.admin.accounts({ id: enc(id) }).keys.get(i), listOf('keys'), signal),
    accountBuckets: (id: string, signal?: AbortSignal) =>
      read<Bucket[]>(`/api/admin/accounts/${id}/buckets`, (i) => api.api.admin.accounts({ id: enc(id) }).buckets.get(i), listOf('buckets'), signal),

    testWebhook: (id: string) => write<WebhookTestResult>(`/api/webhooks/${id}/test`, (i) => api.api.webhooks({ id: enc(id) }).test.post(undefined as never, i), has('id', 'status')),
    redeliver: (id: string, deliveryId: number) =>
      write<WebhookTestResult>(`/api/webhooks/${id}/deliveries/${deliveryId}/redeliver`,
        (i) => api.api.webhooks({ id: enc(id) }).deliveries({ deliveryId: String(deliveryId) }).redeliver.post(undefined as never, i), has('id', 'status')),
    rotateWebhookSecret: async (id: string) =>
      (await write<{ secret: string }>(`/api/webhooks/${id}/rotate-secret`, (i) => api.api.webhooks({ id: enc(id) })['rotate-secret'].post(undefined as never, i), has('secret'))).secret,

    listShares: (signal?: AbortSignal) => read<Share[]>('/api/shares', (i) => api.api.shares.get(i), listOf('shares'), signal),
    createShare: (body: NewShare) => write<Share>('/api/shares', (i) => api.api.shares.post(body, i), has('id', 'url')),
    revokeShare: (id: string) => ok(write(`/api/shares/${id}`, (i) => api.api.shares({ id: enc(id) }).delete(undefined as never, i), parseSuccess)),
  }
}

export type ApiMethods = ReturnType<typeof apiMethods>
