/**
 * How a large file is cut into parts. The dashboard's API budget is 30 requests a minute and a
 * batch call signs 100 URLs, so parts are sized for all of a file's part URLs to fit one call
 * with complete and abort, within S3's limits (5 MiB to 5 GiB a part, 10,000 parts).
 */
import { MAX_PART_SIZE, MAX_PARTS, PRESIGN_BATCH_MAX } from './limits'

/** Files above this go up in parts. */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024
/** Smaller parts would only mean more requests (S3's floor is 5 MiB). */
const MIN_PART = 16 * 1024 * 1024
const MIB = 1024 * 1024
/** The part URLs one call signs beside complete and abort. */
export const PARTS_PER_CALL = PRESIGN_BATCH_MAX - 2

/**
 * The part size for a file of `size` bytes: at least 16 MiB, and large enough (in whole MiB) that
 * its parts' URLs fit one call, up to 98 parts of 5 GiB (490 GiB). Larger files take 5 GiB parts
 * signed 98 at a time, up to 10,000 parts. Null when even that is too few.
 */
export function partSize(size: number): number | null {
  const part = Math.min(MAX_PART_SIZE, Math.max(MIN_PART, Math.ceil(size / PARTS_PER_CALL / MIB) * MIB))
  return Math.ceil(size / part) <= MAX_PARTS ? part : null
}

export const TOO_LARGE = `Too large for one S3 object: at most ${MAX_PARTS} parts of 5 GiB.`
