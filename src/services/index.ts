import type { Deps } from './deps'
import { accountsService } from './accounts/accounts'
import { bucketsService } from './buckets/buckets'
import { keysService } from './keys/keys'
import { keyUsageService } from './keys/key-usage'
import { quotaService } from './usage/quota'
import { rateLimitService } from './usage/rate-limits'
import { putObjectService } from './objects/put-object'
import { copyObjectService } from './objects/copy-object'
import { deleteObject } from './objects/delete'
import { listObjects, listObjectVersions, versionCursor } from './objects/list'
import { multipartService } from './multipart/multipart'
import { usageReportService } from './maintenance/usage-report'
import { gcService } from './maintenance/gc'
import { scrubService } from './maintenance/scrub'
import { recoveryService } from './maintenance/recovery'
import { sessionsService } from './sessions/sessions'
import { versionsService } from './versions/versions'
import { imagesService } from './images/images'
import { webhooksService } from './webhooks/webhooks'
import { accessService } from './access/access'
import { filesService } from './objects/files'
import { openContent, partRange, resolveVersion } from './objects/read'
import { compareVersions } from './versions/compare'
import { adminService } from './admin/admin'
import type { BucketRow } from '../db/repos/buckets'
import type { VersionRow } from '../db/repos/objects'
import type { ByteRange } from '../blob/blob-store'

/** Every use case, built once; all surfaces (S3, REST, dashboard, CLI) call these. */
export function createServices(d: Deps) {
  const keys = keysService(d)
  const buckets = bucketsService(d)
  const sessions = sessionsService(d)
  const accounts = accountsService(d, keys, buckets, sessions)
  const quota = quotaService(d)
  const usage = usageReportService(d)
  const uploads = putObjectService(d, quota)
  const access = accessService(d, buckets)
  return {
    access,
    files: filesService(d, access),
    /**
     * Resolves once every change committed so far is on stable storage: surfaces await it before
     * acknowledging (see Db.durable).
     */
    durable: () => d.db.durable(),
    admin: adminService(d),
    keys,
    keyUsage: keyUsageService(d),
    sessions,
    buckets,
    accounts,
    quota,
    rateLimits: rateLimitService(d),
    objects: {
      put: uploads.put,
      stage: uploads.stage,
      commitStaged: uploads.commit,
      discardStaged: uploads.discard,
      copy: copyObjectService(d, quota),
      delete: (bucketId: string, key: string, versionId: string | null) => deleteObject(d, bucketId, key, versionId),
      list: (bucketId: string, q: Parameters<typeof listObjects>[2]) => listObjects(d, bucketId, q),
      listVersions: (bucketId: string, q: Parameters<typeof listObjectVersions>[2]) => listObjectVersions(d, bucketId, q),
      versionCursor: (bucketId: string, keyMarker: string, versionIdMarker: string) => versionCursor(d, bucketId, keyMarker, versionIdMarker),
      /** The version a GET/HEAD/COPY addresses (current, or by S3 version id). */
      resolveVersion: (bucket: BucketRow, key: string, versionId: string | null) => resolveVersion(d, bucket, key, versionId),
      /** A version's bytes, optionally a range. */
      openContent: (v: VersionRow, range?: ByteRange) => openContent(d, v, range),
      /** Byte range of part N of a multipart version. */
      partRange: (v: VersionRow, partNumber: number) => partRange(d, v, partNumber),
      /** The part layout of a multipart version (empty for single PUTs). */
      parts: (versionId: string) => d.repos.objects.parts(versionId),
    },
    multipart: multipartService(d, quota),
    versions: {
      ...versionsService(d, quota, access),
      /** Unified diff for text, metadata otherwise. */
      compare: (key: string, a: VersionRow, b: VersionRow) => compareVersions(d, key, a, b),
    },
    images: imagesService(d),
    webhooks: webhooksService(d),
    usage,
    gc: gcService(d),
    scrub: scrubService(d),
    recovery: recoveryService(d, usage),
  }
}
export type Services = ReturnType<typeof createServices>
