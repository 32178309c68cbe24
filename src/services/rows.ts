/**
 * The stored rows a surface may see, as the repos read them (types inferred from
 * src/db/schema.ts). Surfaces import them from here, not from src/db.
 */
export type { AccessKeyRow } from '../db/repos/access-keys'
export type { AccountRow, PlanRow, UsageRow } from '../db/repos/accounts'
export type { BlobRow } from '../db/repos/blobs'
export type { BucketRow } from '../db/repos/buckets'
export type { EventRow } from '../db/repos/events'
export type { UploadPartRow, UploadRow } from '../db/repos/multipart'
export type { ListedVersionRow, LiveObjectRow, ObjectRow, PartRow, VersionRow } from '../db/repos/objects'
export type { SessionRow } from '../db/repos/sessions'
export type { ShareRow } from '../db/repos/shares'
export type { DeliveryRow, WebhookRow } from '../db/repos/webhooks'
