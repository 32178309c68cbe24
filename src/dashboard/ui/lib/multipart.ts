/**
 * A large file as an S3 multipart upload, every step presigned: create (its URL comes with the
 * queue's batch), then the URLs of all parts with complete and abort in one batch call (98 parts
 * and the two fit one call of 100), the parts one after the other, each retried alone, complete.
 * Abort when the file fails for good or is cancelled, so no upload is left holding space.
 */
import { PARTS_PER_CALL, partSize, TOO_LARGE } from './part-size'
import { fresh, presignAll, type PresignRequest, type Signed } from './presign'
import { escapeXml, retried, S3Error, send, xmlField, type Sender } from './s3-send'

/** A multipart upload under way: what abort needs, and the URLs signed so far. */
export interface Multipart {
  uploadId: string
  parts: Map<number, Signed>
  complete: Signed | null
  abort: Signed | null
}

export interface PartsJob extends Sender {
  bucket: string
  key: string
  file: File
  mp: Multipart | null
  /** Bytes of the file sent so far. */
  progress(sent: number): void
}

/** Signs parts `from`… (as many as one call takes, up to `count`) with complete and abort, fresh. */
async function signParts(j: PartsJob, mp: Multipart, from: number, count: number) {
  const last = Math.min(count, from + PARTS_PER_CALL - 1)
  const base = { bucket: j.bucket, key: j.key, uploadId: mp.uploadId }
  const rs: PresignRequest[] = []
  for (let n = from; n <= last; n++) rs.push({ ...base, operation: 'UploadPart', partNumber: n })
  rs.push({ ...base, operation: 'CompleteMultipartUpload' }, { ...base, operation: 'AbortMultipartUpload' })
  const signed = await presignAll(rs)
  // Parts before `from` are sent: their URLs are not needed again.
  mp.parts.clear()
  for (let n = from; n <= last; n++) mp.parts.set(n, signed[n - from])
  mp.complete = signed[signed.length - 2]
  mp.abort = signed[signed.length - 1]
}

/** Sends part `n` (again after a transient failure, with a new URL when its own ran out); its ETag. */
function sendPart(j: PartsJob, mp: Multipart, n: number, count: number, blob: Blob, progress: (sent: number) => void): Promise<string> {
  return retried(j, async () => {
    if (!fresh(mp.parts.get(n))) await signParts(j, mp, n, count)
    try {
      const r = await send(j, mp.parts.get(n)!, blob, progress)
      if (!r.etag) throw new Error(`Part ${n} was stored without an ETag.`)
      return r.etag
    } catch (e) {
      if (e instanceof S3Error && e.expired) mp.parts.delete(n)
      throw e
    }
  })
}

/** Uploads `j.file` in parts, starting with the presigned CreateMultipartUpload `create`. */
export async function uploadInParts(j: PartsJob, create: Signed): Promise<void> {
  const size = partSize(j.file.size)
  if (size === null) throw new Error(TOO_LARGE)
  const created = await send(j, create, null)
  const uploadId = xmlField(created.body, 'UploadId')
  if (!uploadId) throw new Error('The S3 endpoint did not start the multipart upload.')
  const mp: Multipart = { uploadId, parts: new Map(), complete: null, abort: null }
  j.mp = mp
  const count = Math.ceil(j.file.size / size)
  await signParts(j, mp, 1, count)
  const etags: string[] = []
  let done = 0
  for (let n = 1; n <= count; n++) {
    const blob = j.file.slice((n - 1) * size, Math.min(j.file.size, n * size))
    etags.push(await sendPart(j, mp, n, count, blob, (sent) => j.progress(done + sent)))
    done += blob.size
  }
  const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(e)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
  const r = await retried(j, async () => {
    if (!fresh(mp.complete)) await signParts(j, mp, count + 1, count)
    const c = mp.complete!
    return send(j, { ...c, headers: { ...c.headers, 'content-type': 'application/xml' } }, xml)
  })
  // S3 may answer 200 with an error document once it has started sending.
  if (/<Error>/.test(r.body)) throw new Error(xmlField(r.body, 'Message') ?? 'The multipart upload could not be completed.')
  j.mp = null
}

/** Aborts the job's multipart upload, if one was started (its parts' space is freed at once). */
export async function abortParts(j: PartsJob): Promise<void> {
  const mp = j.mp
  if (!mp) return
  j.mp = null
  try {
    const a = fresh(mp.abort) ? mp.abort : (await presignAll([{ bucket: j.bucket, key: j.key, operation: 'AbortMultipartUpload', uploadId: mp.uploadId }]))[0]
    await fetch(a.url, { method: a.method, headers: a.headers })
  } catch { /* the appliance aborts uploads left open after stale-upload-days (7 by default) */ }
}
