/**
 * Presigned S3 URLs, the dashboard's one way to them (uploads, previews, links): one per call, or
 * many in one call (POST /api/presign/batch; the API budget is 30 requests a minute, whatever a
 * request signs). They are signed with an access key of the account, so with none left every
 * presign fails with NoSuchAccessKey: that is noted here for every caller at once, and the layout
 * shows one notice pointing to the Keys page instead of each caller explaining it.
 */
import { useSyncExternalStore } from 'react'
import { ApiError, call, client, type Data } from '../api'
import { PRESIGN_BATCH_MAX } from './limits'

export type PresignRequest = Parameters<typeof client.api.presign.post>[0]
export type Presigned = Data<typeof client.api.presign.post>

/** A presigned URL and when it stops working by this browser's clock (`expiresAt` is the server's). */
export interface Signed extends Presigned { validUntil: number }

let keyMissing = false
const subscribers = new Set<() => void>()

function setKeyMissing(missing: boolean) {
  if (missing === keyMissing) return
  keyMissing = missing
  for (const f of subscribers) f()
}

/** True once a presign failed for want of an access key (or the last one was revoked), until a presign works or a key is created. */
export function useKeyMissing(): boolean {
  return useSyncExternalStore((f) => { subscribers.add(f); return () => subscribers.delete(f) }, () => keyMissing)
}

/** What the Keys page knows: how many keys the account has now. */
export const noteKeyCount = (n: number) => setKeyMissing(n === 0)

async function noting<T>(p: Promise<T>): Promise<T> {
  try {
    const r = await p
    setKeyMissing(false)
    return r
  } catch (e) {
    if (e instanceof ApiError && e.code === 'NoSuchAccessKey') setKeyMissing(true)
    throw e
  }
}

/** One presigned URL. */
export const presign = (r: PresignRequest): Promise<Presigned> => noting(call(client.api.presign.post(r)))

/** Presigned URLs for all of `rs`, in order: one call per 100. */
export async function presignAll(rs: PresignRequest[]): Promise<Signed[]> {
  const out: Signed[] = []
  for (let i = 0; i < rs.length; i += PRESIGN_BATCH_MAX) {
    const chunk = rs.slice(i, i + PRESIGN_BATCH_MAX)
    // Asked before the server signed: the URL is valid at least this long by our clock.
    const asked = Date.now()
    const { results } = await noting(call(client.api.presign.batch.post({ requests: chunk })))
    results.forEach((p, j) => out.push({ ...p, validUntil: asked + (chunk[j].expiresIn ?? 3600) * 1000 }))
  }
  return out
}

/** Still good for a request that starts now (with a minute to spare). */
export const fresh = (s: Signed | null | undefined): s is Signed => !!s && s.validUntil - 60_000 > Date.now()
