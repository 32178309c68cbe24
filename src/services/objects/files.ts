import { AppError } from '../../errors/app-error'
import type { BucketRow } from '../../db/repos/buckets'
import type { ObjectRow, VersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import { accountPrincipal, type AccessService } from '../access/access'

export interface FileRef {
  object: ObjectRow
  bucket: BucketRow
  version: VersionRow
}

/** Files as the REST API and the dashboard address them: by stable id, in named or default buckets. */
export function filesService(d: Deps, access: AccessService) {
  return {
    /**
     * A file by its stable id, for its owner only: another account's id answers exactly like a
     * missing one (404), so ids do not reveal what exists.
     */
    byId(id: string, accountId: string): FileRef {
      const object = /^[0-9A-Z]{26}$/.test(id) ? d.repos.objects.byId(id) : null
      const bucket = object ? d.repos.buckets.byId(object.bucketId) : null
      const version = object?.currentVersionId && object.isLive ? d.repos.objects.version(object.currentVersionId) : null
      if (!object || !bucket || !access.mayUse(accountPrincipal(accountId), bucket) || !version) throw new AppError('NoSuchKey', { message: `No file has the id '${id}'.` })
      return { object, bucket, version }
    },

    /** The REST API's bucket parameter: omitted or "default" means the account's default bucket. */
    bucket(accountId: string, name: string | null | undefined): BucketRow {
      if (!name || name === 'default') {
        const b = d.repos.buckets.defaultFor(accountId)
        if (!b) throw new AppError('NoSuchBucket', { message: 'This account has no default bucket; pass bucket=<name>.' })
        return b
      }
      return access.ownBucket(accountId, name)
    },
  }
}
export type FilesService = ReturnType<typeof filesService>
