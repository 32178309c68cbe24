/**
 * The server's upload limits (src/domain/upload-limits.ts), restated because the browser imports
 * only types from the server's code: each is typed by the server's literal, so tsc fails when one
 * changes there and not here.
 */
import type { MAX_PART_SIZE as PartMax, MAX_PARTS as PartsMax, PRESIGN_BATCH_MAX as BatchMax } from '../../../domain/upload-limits'

/** S3's largest part, 5 GiB. */
export const MAX_PART_SIZE: typeof PartMax = 5_368_709_120
/** S3's most parts in one upload. */
export const MAX_PARTS: typeof PartsMax = 10_000
/** POST /api/presign/batch's most requests in one call. */
export const PRESIGN_BATCH_MAX: typeof BatchMax = 100
