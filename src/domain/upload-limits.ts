/**
 * The numbers uploads are planned around: the server enforces them, and the dashboard's uploader
 * stays inside them. Literal values on purpose: the browser code may import only types from here
 * (test/unit/import-rules.test.ts), and `typeof` of a literal makes tsc check its copy.
 */

/** S3's multipart limits: a part is at most 5 GiB, an upload at most 10,000 parts. */
export const MAX_PART_SIZE = 5_368_709_120
export const MAX_PARTS = 10_000

/** POST /api/presign/batch signs at most this many requests in one call. */
export const PRESIGN_BATCH_MAX = 100
