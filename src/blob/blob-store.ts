/** Inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number
  end: number
}

export type BlobSource = AsyncIterable<Uint8Array>

/**
 * Bytes only: no buckets, keys or versions. Hashing happens in a stream in front of `put`, so
 * every backend yields identical ETags and checksums. `put` is all-or-nothing.
 */
export interface BlobStore {
  /** Stores the whole source under blobId, durably, or nothing (the source throwing aborts it). */
  put(blobId: string, source: BlobSource): Promise<{ size: number }>
  /** The blob's bytes (a lazily read Blob where the backend can, for zero-copy responses). */
  get(blobId: string, range?: ByteRange): Promise<Blob | ReadableStream<Uint8Array>>
  /** A small blob's bytes in memory (reads that verify a checksum before answering). */
  getBytes(blobId: string): Promise<Uint8Array>
  stat(blobId: string): Promise<{ size: number; mtimeMs: number } | null>
  /** Idempotent. */
  delete(blobId: string): Promise<void>
  /** Crash recovery: drops partial writes; returns how many were removed. */
  recover(): Promise<{ tempFilesRemoved: number }>
  /** Every stored blob id (for GC of files without rows and for scrub). */
  list(): AsyncIterable<string>
}

/** Thrown by stores when metadata names a blob whose bytes are gone: an internal fault. */
export class BlobMissingError extends Error {
  override name = 'BlobMissingError'
  constructor(readonly blobId: string) {
    super(`blob ${blobId} is missing from the store`)
  }
}
