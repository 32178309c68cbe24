import { newHexId } from '../../domain/ids'
import { AppError } from '../../errors/app-error'
import type { ChecksumAlgorithm } from '../../domain/checksums'
import { HashingTap, limitBytes, type Digests } from '../../blob/streams'
import type { Deps } from '../deps'

export interface IngestOptions {
  /** Declared length: the body must be exactly this long. */
  size: number | null
  /** Unknown lengths: sees the byte count so far before those bytes are written; throws to stop (QuotaExceeded). */
  onBytes?: (seen: number) => void
  /** The operation's own size limit for a body of unknown length (5 GiB for a PUT): EntityTooLarge. */
  cap?: number | null
  checksum?: ChecksumAlgorithm | null
  /** Runs when the last byte arrived, before the blob is made durable: throw to reject. */
  verify?: (digests: Digests) => void | Promise<void>
}

/**
 * Streams a body into a new blob: byte limits → hashing → verification at the end → the blob
 * store (temp, fsync, rename, fsync dir). A failure anywhere leaves no blob behind.
 */
export async function ingest(d: Deps, source: AsyncIterable<Uint8Array>, opts: IngestOptions): Promise<{ blobId: string; digests: Digests }> {
  const blobId = newHexId()
  const tap = new HashingTap({ sha256: true, checksum: opts.checksum ?? null })
  const capped = opts.size == null && opts.cap != null
    ? limitBytes(source, { max: opts.cap, onExceed: () => new AppError('EntityTooLarge', { fields: { MaxSizeAllowed: opts.cap! } }) })
    : source
  const limited = limitBytes(capped, { exact: opts.size })
  async function* metered() {
    let seen = 0
    for await (const chunk of limited) {
      seen += chunk.byteLength
      opts.onBytes?.(seen)
      yield chunk
    }
  }
  async function* verified() {
    yield* tap.pipe(opts.size == null && opts.onBytes ? metered() : limited)
    if (opts.verify) await opts.verify(await tap.digests())
  }
  await d.blobs.put(blobId, verified())
  return { blobId, digests: await tap.digests() }
}

/** Deletes a freshly written blob that never got committed (best effort; GC sweeps leftovers). */
export function discardBlob(d: Deps, blobId: string) {
  void d.blobs.delete(blobId).catch(() => {})
}
