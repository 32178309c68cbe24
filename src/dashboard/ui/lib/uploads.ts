/**
 * Browser uploads straight to the S3 port with presigned URLs (the API signs, the bytes never
 * pass through the HTTP port). The API allows the dashboard 30 requests a minute, so URLs are
 * signed in batches: one call signs the first URL of up to 100 waiting files (a PUT, or the
 * CreateMultipartUpload of a large file, see multipart.ts). A failed request is sent again (up
 * to 3 times) when the failure may pass. Progress per file from XMLHttpRequest's upload events,
 * cancel at any time; leaving the page while files are still going up asks first. The S3 port
 * answers CORS for the dashboard's own origin, so no bucket rule is needed.
 */
import { useSyncExternalStore } from 'react'
import { messageOf } from '../api'
import { PRESIGN_BATCH_MAX } from './limits'
import { fresh, presignAll, type PresignRequest, type Signed } from './presign'
import { retried, S3Error, send } from './s3-send'
import { abortParts, uploadInParts, type PartsJob } from './multipart'
import { MULTIPART_THRESHOLD, partSize, TOO_LARGE } from './part-size'

const CONCURRENT_FILES = 3

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed' | 'cancelled'

export interface Upload {
  id: number
  bucket: string
  key: string
  size: number
  sent: number
  state: UploadState
  error: string | null
  multipart: boolean
}

interface Job extends Upload, PartsJob {
  /** The first URL (PUT or CreateMultipartUpload), signed in a batch with other files'. */
  first: Signed | null
  /** Its batch failed: this file fails with that error. */
  firstError: Error | null
  /** Waiting for its first URL: a batch signs it with the others'. */
  needsFirst: boolean
}

let jobs: Job[] = []
let view: Upload[] = []
let seq = 0
const subscribers = new Set<() => void>()
const finishedListeners = new Set<(u: Upload) => void>()

const active = (j: Upload) => j.state === 'queued' || j.state === 'uploading'
const toView = (j: Job): Upload => ({ id: j.id, bucket: j.bucket, key: j.key, size: j.size, sent: j.sent, state: j.state, error: j.error, multipart: j.multipart })

/** Closing or reloading the tab would end the uploads: the browser asks first. */
const stay = (e: BeforeUnloadEvent) => { e.preventDefault(); e.returnValue = '' }
let guarded = false

function publish() {
  view = jobs.map(toView)
  const busy = jobs.some(active)
  if (busy !== guarded) {
    guarded = busy
    if (busy) addEventListener('beforeunload', stay)
    else removeEventListener('beforeunload', stay)
  }
  for (const f of subscribers) f()
}

export function useUploads(): Upload[] {
  return useSyncExternalStore((f) => { subscribers.add(f); return () => subscribers.delete(f) }, () => view)
}

/** Uploads still queued or running into `bucket`. */
export const pendingIn = (bucket: string) => jobs.some((j) => j.bucket === bucket && active(j))

/** Called for every upload that finished (done, failed or cancelled). */
export function onUploadFinished(f: (u: Upload) => void): () => void {
  finishedListeners.add(f)
  return () => finishedListeners.delete(f)
}

/** Queues files for upload into `bucket` under their keys. */
export function enqueue(bucket: string, files: Array<{ file: File; key: string }>) {
  for (const { file, key } of files) {
    const multipart = file.size > MULTIPART_THRESHOLD
    // Refused at once, before anything is signed for it.
    const tooLarge = multipart && partSize(file.size) === null
    const j: Job = {
      id: ++seq, bucket, key, size: file.size, sent: 0, state: tooLarge ? 'failed' : 'queued', error: tooLarge ? TOO_LARGE : null, multipart,
      file, xhr: null, mp: null, first: null, firstError: null, needsFirst: !tooLarge,
      live() { return this.state === 'uploading' },
      progress(sent) { this.sent = sent; publish() },
    }
    jobs.push(j)
  }
  publish()
  pump()
}

export function cancel(id: number) {
  const j = jobs.find((x) => x.id === id)
  if (!j || !active(j)) return
  j.state = 'cancelled'
  j.xhr?.abort()
  publish()
  void abortParts(j)
  finished(j)
}

/** Removes finished uploads from the list. */
export function clearFinished() {
  jobs = jobs.filter(active)
  publish()
}

function finished(j: Job) {
  for (const f of finishedListeners) f(toView(j))
  pump()
}

function pump() {
  while (jobs.filter((j) => j.state === 'uploading').length < CONCURRENT_FILES) {
    const next = jobs.find((j) => j.state === 'queued')
    if (!next) return
    next.state = 'uploading'
    publish()
    void run(next)
  }
}

async function run(j: Job) {
  try {
    if (j.multipart) await uploadInParts(j, await firstUrl(j))
    else await retried(j, async () => put(j, await firstUrl(j)))
    if (j.state !== 'uploading') return
    j.state = 'done'
    j.sent = j.size
  } catch (e) {
    if (j.state !== 'uploading') return // cancelled meanwhile
    j.state = 'failed'
    j.error = messageOf(e)
    // Failed for good: the parts sent so far would hold space until the appliance cleans up.
    void abortParts(j)
  }
  publish()
  finished(j)
}

async function put(j: Job, url: Signed) {
  try {
    await send(j, url, j.file, (n) => j.progress(n))
  } catch (e) {
    if (e instanceof S3Error && e.expired) j.first = null
    throw e
  }
}

const contentTypeOf = (f: File) => f.type || 'application/octet-stream'

const firstRequest = (j: Job): PresignRequest => ({
  bucket: j.bucket, key: j.key, operation: j.multipart ? 'CreateMultipartUpload' : 'PutObject', contentType: contentTypeOf(j.file),
})

/** The batch being signed: files that start meanwhile wait for it rather than ask again. */
let signing: Promise<void> | null = null

/** The job's first URL, signed together with those of up to 99 other files still waiting. */
async function firstUrl(j: Job): Promise<Signed> {
  for (;;) {
    if (j.firstError) throw j.firstError
    if (fresh(j.first)) {
      // Taken: later batches leave it out (a retry that finds it stale signs it again here).
      j.needsFirst = false
      return j.first
    }
    await (signing ??= signFirsts(j).finally(() => { signing = null }))
  }
}

async function signFirsts(j: Job) {
  const waiting = jobs.filter((x) => x !== j && active(x) && x.needsFirst && !x.firstError && !fresh(x.first))
  const batch = [j, ...waiting].slice(0, PRESIGN_BATCH_MAX)
  try {
    const signed = await presignAll(batch.map(firstRequest))
    batch.forEach((x, i) => { x.first = signed[i] })
  } catch (e) {
    for (const x of batch) x.firstError = e instanceof Error ? e : new Error(String(e))
  }
}
