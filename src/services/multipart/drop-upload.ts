import type { UploadRow } from '../../db/repos/multipart'
import type { Deps } from '../deps'
import type { UsageDelta } from '../objects/usage-delta'

/** Removes an upload and releases its parts' blobs and usage (abort, GC, bucket deletion). */
export function dropUpload(d: Deps, upload: UploadRow, delta: UsageDelta) {
  const now = d.now()
  for (const p of d.repos.multipart.allParts(upload.id)) {
    delta.stored += d.repos.blobs.release(p.blobId, now)
    delta.logical -= p.size
  }
  d.repos.multipart.delete(upload.id)
}
