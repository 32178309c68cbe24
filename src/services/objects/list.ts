import { AppError } from '../../errors/app-error'
import { paginate, type Cursor, type RowSource } from '../../domain/paginate'
import type { ListedVersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import { s3VersionId } from './read'

export interface ListEntry {
  id: string
  key: string
  contentType: string
  size: number
  etag: string
  lastModified: number
}

export interface ListResult {
  contents: ListEntry[]
  commonPrefixes: string[]
  isTruncated: boolean
  /** The last key or common prefix returned: where the next page starts (exclusive). */
  last: string | null
}

type Repos = Pick<Deps, 'repos'>

/**
 * One page of the live keys under `prefix`, after `after` (exclusive), rolling keys up into
 * CommonPrefixes at `delimiter`. A marker may be any string: a key (deleted or not) or a common
 * prefix returned earlier (see domain/paginate).
 */
export function listObjects(d: Repos, bucketId: string, q: { prefix: string; delimiter: string; after: string; maxKeys: number }): ListResult {
  const source: RowSource<ListEntry, never> = {
    fetch: (c, from, limit) => d.repos.objects.listLive(bucketId, c.key, from, limit),
    keyOf: (r) => r.key,
    subOf: () => null, // one row per key
  }
  const p = paginate(source, { prefix: q.prefix, delimiter: q.delimiter, after: { key: q.after, sub: null }, maxKeys: q.maxKeys })
  return { contents: p.rows, commonPrefixes: p.commonPrefixes, isTruncated: p.isTruncated, last: p.next?.key ?? null }
}

export type ListedVersion = ListedVersionRow

export interface VersionsResult {
  versions: ListedVersion[]
  commonPrefixes: string[]
  isTruncated: boolean
  /** NextKeyMarker / NextVersionIdMarker: versionId is null when the page ended on a CommonPrefix. */
  next: { key: string; versionId: string | null } | null
}

/** Version ids are ULIDs (domain/ids): 26 Crockford base32 characters, time-ordered. */
const VERSION_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** A position before every version of a key (version numbers only grow). */
const BEFORE_ALL = Number.MAX_SAFE_INTEGER

/**
 * Where a ListObjectVersions page starts: after key-marker's version version-id-marker, or after
 * every version of key-marker. The version-id-marker names a position, not a version that must
 * still exist (a cleanup loop deletes exactly the versions it was just given):
 * - an existing S3 version of that key: right after it;
 * - a well-formed id that is gone (or not this key's): version ids are time-ordered, so the page
 *   resumes with the key's versions older than that id;
 * - `null` when the key has no null version any more: at the key's first remaining version. Its
 *   place cannot be recovered, and re-listing a version the caller saw is safer than skipping one
 *   (in the delete loop every version before the marker is gone anyway);
 * - anything else: InvalidArgument, as S3 answers for an id it never issued.
 */
export function versionCursor(d: Repos, bucketId: string, keyMarker: string, versionIdMarker: string): Cursor<number> {
  if (!keyMarker) {
    if (versionIdMarker) throw new AppError('InvalidArgument', { message: 'A version-id marker cannot be specified without a key marker.', fields: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker } })
    return { key: '', sub: null }
  }
  if (!versionIdMarker) return { key: keyMarker, sub: null }
  if (versionIdMarker === 'null') return { key: keyMarker, sub: d.repos.objects.nullVersionNumber(bucketId, keyMarker) ?? BEFORE_ALL }
  if (!VERSION_ID.test(versionIdMarker)) throw new AppError('InvalidArgument', { message: 'Invalid version id specified', fields: { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker } })
  const v = d.repos.objects.version(versionIdMarker)
  if (v && v.bucketId === bucketId && v.key === keyMarker && !v.s3Hidden) return { key: keyMarker, sub: v.versionNumber }
  return { key: keyMarker, sub: d.repos.objects.oldestNumberNewerThan(bucketId, keyMarker, versionIdMarker) ?? BEFORE_ALL }
}

/** One page of S3 versions and delete markers: key ascending, then newest first. */
export function listObjectVersions(d: Repos, bucketId: string, q: { prefix: string; delimiter: string; after: Cursor<number>; maxKeys: number }): VersionsResult {
  const source: RowSource<ListedVersion, number> = {
    fetch: (c, from, limit) => d.repos.objects.s3VersionsPage(bucketId, c.key, c.sub, from, limit),
    keyOf: (v) => v.key,
    subOf: (v) => v.versionNumber,
  }
  const p = paginate(source, q)
  const next = p.last === null ? null
    : p.last.kind === 'row' ? { key: p.last.row.key, versionId: s3VersionId(p.last.row) }
    : { key: p.last.prefix, versionId: null }
  return { versions: p.rows, commonPrefixes: p.commonPrefixes, isTruncated: p.isTruncated, next }
}
