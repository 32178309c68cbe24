import { AppError } from '../../errors/app-error'
import { bucketNameFrom, bucketNameProblem } from '../../domain/bucket-name'
import { newHexId, randomString } from '../../domain/ids'
import type { BucketRow } from '../../db/repos/buckets'
import type { Deps } from '../deps'
import { ReadCache } from '../../db/read-cache'
import { planOf } from '../accounts/plans'
import { removeVersion } from '../objects/commit'
import { insertDeleteMarker } from '../objects/delete'
import { UsageDelta } from '../objects/usage-delta'
import { dropUpload } from '../multipart/drop-upload'
import { checkQuotaWarnings } from '../usage/quota'

export interface BucketSummary {
  name: string
  createdAt: string
  isDefault: boolean
  region: string
  versioning: '' | 'Enabled' | 'Suspended'
  timeMachine: boolean
  publicRead: boolean
  /** Time Machine retention: null means the appliance default. */
  retention: { maxVersions: number | null; maxAgeDays: number | null }
  /** Logical bytes (versions and upload parts), bytes of the distinct blobs on disk, listed objects. */
  usage: { bytes: number; storedBytes: number; objects: number }
}

export function bucketsService(d: Deps) {
  const { repos } = d
  // Every S3 request looks its bucket up: cached until the next commit (see ReadCache).
  const byName = new ReadCache<BucketRow | null>(d.db)

  function insertBucket(accountId: string, name: string, isDefault: boolean): BucketRow {
    const now = d.now()
    const row: BucketRow = {
      id: newHexId(), name, accountId, region: d.config.region, isDefault, s3Versioning: '', timeMachine: true,
      publicRead: false, corsJson: null, retentionMaxVersions: null, retentionDays: null, usageBytes: 0, usageObjects: 0, createdAt: now,
    }
    repos.buckets.insert(row)
    d.bus.emit('bucket.created', accountId, { bucket: name }, now)
    return row
  }

  // Stored bytes are counted from the rows (not kept as a counter): cached until the next commit,
  // so a TUI polling an idle appliance costs no query.
  const storedByAccount = new ReadCache<Map<string, number>>(d.db, 1000)

  return {
    /** A bucket as the API shows it, with its usage. */
    summary(b: BucketRow): BucketSummary {
      const stored = storedByAccount.get(b.accountId, () => repos.stats.storedBytesByBucket(b.accountId))
      return {
        name: b.name, createdAt: new Date(b.createdAt).toISOString(), isDefault: b.isDefault, region: b.region,
        versioning: b.s3Versioning, timeMachine: b.timeMachine, publicRead: b.publicRead,
        retention: { maxVersions: b.retentionMaxVersions, maxAgeDays: b.retentionDays },
        usage: { bytes: b.usageBytes, storedBytes: stored.get(b.id) ?? 0, objects: b.usageObjects },
      }
    },

    /** The bucket of that name or null, with no access check (cached until the next commit). */
    find(name: string): BucketRow | null {
      return byName.get(name, () => repos.buckets.byName(name) ?? null)
    },

    create(accountId: string, name: string, opts: { location?: string | null } = {}): BucketRow {
      const problem = bucketNameProblem(name)
      if (problem) throw new AppError('InvalidBucketName', { message: problem, fields: { BucketName: name } })
      if (opts.location != null && opts.location !== '' && opts.location !== d.config.region) {
        throw new AppError(opts.location === 'us-east-1' ? 'InvalidLocationConstraint' : 'IllegalLocationConstraintException', {
          message: `The ${opts.location} location constraint is incompatible for the region specific endpoint this request was sent to (${d.config.region}).`,
        })
      }
      return d.db.tx(() => {
        const existing = repos.buckets.byName(name)
        if (existing) throw new AppError(existing.accountId === accountId ? 'BucketAlreadyOwnedByYou' : 'BucketAlreadyExists', { fields: { BucketName: name } })
        const account = repos.accounts.byId(accountId)
        if (!account) throw new AppError('NoSuchAccount')
        const max = planOf(d, account).maxBuckets
        if (repos.buckets.countForAccount(accountId) >= max) {
          throw new AppError('TooManyBuckets', { message: `You have attempted to create more buckets than allowed (${max} per account).` })
        }
        return insertBucket(accountId, name, false)
      })
    },

    /** The account's default bucket: a free global name derived from the email's local part. */
    createDefault(accountId: string, email: string): BucketRow {
      return d.db.tx(() => {
        const base = bucketNameFrom(email.split('@')[0])
        let name = base
        for (let i = 0; repos.buckets.byName(name) || bucketNameProblem(name); i++) {
          name = `${base}-${randomString('abcdefghijklmnopqrstuvwxyz0123456789', 6)}`
          if (i > 20) throw new AppError('InternalError', { message: 'could not find a free default bucket name' })
        }
        return insertBucket(accountId, name, true)
      })
    },

    list(accountId: string): BucketRow[] {
      return repos.buckets.listForAccount(accountId)
    },

    /**
     * Deletes a bucket. Without `force` it must be empty as S3 sees it: no current objects, no
     * S3 versions or delete markers, no multipart uploads (Time Machine history of an
     * unversioned bucket does not count and is purged with it). `force` removes everything.
     */
    delete(bucketId: string, opts: { force: boolean }) {
      d.db.tx(() => {
        const b = repos.buckets.byId(bucketId)
        if (!b) throw new AppError('NoSuchBucket')
        if (!opts.force) {
          const versionsBlock = b.s3Versioning !== '' && repos.objects.hasS3Versions(b.id)
          if (repos.objects.hasLiveObjects(b.id) || versionsBlock || repos.multipart.hasUploads(b.id)) {
            throw new AppError('BucketNotEmpty', { fields: { BucketName: b.name } })
          }
        }
        const delta = new UsageDelta(b)
        for (const id of repos.objects.versionIdsInBucket(b.id)) {
          const v = repos.objects.version(id)
          if (v) removeVersion(d, v, delta)
        }
        for (const id of repos.multipart.idsForBucket(b.id)) {
          const u = repos.multipart.get(id)
          if (u) dropUpload(d, u, delta)
        }
        delta.objects = -b.usageObjects
        // Counters go with the bucket row; only the account's need the delta.
        repos.accounts.addUsage(b.accountId, { logical: delta.logical, stored: delta.stored, objects: delta.objects })
        checkQuotaWarnings(d, b.accountId) // freed space re-arms the warning thresholds
        repos.buckets.delete(b.id) // objects rows cascade
        d.bus.emit('bucket.deleted', b.accountId, { bucket: b.name }, d.now())
      }, { freesSpace: true })
    },

    /**
     * PutBucketVersioning. The first time versioning is switched on, the history Time Machine
     * kept so far becomes S3 versions (each with its own id; only the current version stays
     * "null"): one history, now visible in both views. A key deleted while unversioned gets a
     * delete marker on top of its exposed versions, dated when it was deleted, so S3 shows it as
     * versioning would have (deleted, with a latest entry) and undeleting it works the S3 way.
     */
    setVersioning(bucketId: string, status: 'Enabled' | 'Suspended') {
      d.db.tx(() => {
        const b = repos.buckets.byId(bucketId)
        if (!b) throw new AppError('NoSuchBucket')
        if (b.s3Versioning === '') {
          repos.objects.exposeHistory(bucketId)
          for (const o of repos.objects.deletedWithHistory(bucketId)) {
            insertDeleteMarker(d, o, { s3Null: false, at: repos.objects.lastNoncurrentAt(o.id) ?? d.now() })
          }
        }
        repos.buckets.update(bucketId, { s3Versioning: status })
      })
    },

    /** Dashboard settings: Time Machine on/off, public read (anonymous GET, image URLs). */
    updateSettings(bucketId: string, patch: { timeMachine?: boolean; publicRead?: boolean; retentionMaxVersions?: number | null; retentionDays?: number | null }) {
      d.db.tx(() => {
        const row: Partial<BucketRow> = {}
        if (patch.timeMachine !== undefined) row.timeMachine = patch.timeMachine
        if (patch.publicRead !== undefined) row.publicRead = patch.publicRead
        if (patch.retentionMaxVersions !== undefined) row.retentionMaxVersions = patch.retentionMaxVersions
        if (patch.retentionDays !== undefined) row.retentionDays = patch.retentionDays
        // A patch naming none of these (e.g. only CORS) must not issue an empty UPDATE.
        if (Object.keys(row).length > 0) repos.buckets.update(bucketId, row)
      })
      return repos.buckets.byId(bucketId)!
    },

    setCors(bucketId: string, rules: unknown[] | null) {
      d.db.tx(() => repos.buckets.update(bucketId, { corsJson: rules ? JSON.stringify(rules) : null }))
    },
  }
}
export type BucketsService = ReturnType<typeof bucketsService>
