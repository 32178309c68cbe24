/**
 * The stored shapes that surfaces read and render (a bucket's settings, a version's metadata):
 * re-exported here so that surfaces depend on services only, never on src/db.
 */
export type { BucketRow } from '../db/repos/buckets'
export type { ObjectRow, VersionRow, PartRow } from '../db/repos/objects'
