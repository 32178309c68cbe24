import { paginate, type RowSource } from '../../domain/paginate'
import type { UploadRow } from '../../db/repos/multipart'
import type { Deps } from '../deps'

export interface UploadsResult {
  uploads: UploadRow[]
  commonPrefixes: string[]
  isTruncated: boolean
  /** NextKeyMarker / NextUploadIdMarker: uploadId is null when the page ended on a CommonPrefix. */
  next: { key: string; uploadId: string | null } | null
}

/**
 * One page of a bucket's multipart uploads in progress: key ascending, then upload id, which is
 * initiation order (upload ids are time-ordered, domain/ids). key-marker alone resumes after
 * every upload of that key; with upload-id-marker, after that id within the key, whether or not
 * the upload still exists (a loop aborting what it lists removes exactly its markers).
 */
export function listMultipartUploads(
  d: Pick<Deps, 'repos'>, bucketId: string,
  q: { prefix: string; delimiter: string; keyMarker: string; uploadIdMarker: string; maxUploads: number },
): UploadsResult {
  const source: RowSource<UploadRow, string> = {
    fetch: (c, from, limit) => d.repos.multipart.list(bucketId, c.key, c.sub, from, limit),
    keyOf: (u) => u.key,
    subOf: (u) => u.id,
  }
  const after = { key: q.keyMarker, sub: q.keyMarker && q.uploadIdMarker ? q.uploadIdMarker : null }
  const p = paginate(source, { prefix: q.prefix, delimiter: q.delimiter, after, maxKeys: q.maxUploads })
  const next = p.last === null ? null
    : p.last.kind === 'row' ? { key: p.last.row.key, uploadId: p.last.row.id }
    : { key: p.last.prefix, uploadId: null }
  return { uploads: p.rows, commonPrefixes: p.commonPrefixes, isTruncated: p.isTruncated, next }
}
