import { closeSync, fsyncSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { randomFillSync } from 'node:crypto'
import { join } from 'node:path'
import type { ErrorReporter } from '../log/logger'

export const SPACE_RESERVE_FILE = 'space.reserve'

/** The metadata reserve's size: 8 MiB, or the disk reserve when that is smaller (0 turns both off). */
export const spaceReserveBytes = (diskReserveBytes: number) => Math.min(8 * 2 ** 20, Math.max(0, diskReserveBytes))

/**
 * Disk space held back for metadata, as a file of real blocks in the data dir. Deleting needs a
 * little free space too: SQLite appends the change to its WAL before anything is freed. When the
 * disk is completely full (something else filled it: the blob store itself stops at the disk
 * reserve) a transaction that frees space and fails with SQLITE_FULL releases this file and runs
 * again, so deletes, purges and aborts still commit. While it is released the blob store refuses
 * new bytes; it puts the file back as soon as the free space allows (see FsBlobStore).
 */
export class SpaceReserve {
  readonly path: string
  private held = false

  /** `report`: where the reserve says it was released or cannot be put back (the operator must act). */
  constructor(dataDir: string, readonly bytes: number, readonly report: ErrorReporter) {
    this.path = join(dataDir, SPACE_RESERVE_FILE)
  }

  /** True when the reserve is in place (or there is none to keep). */
  get isHeld(): boolean {
    return this.bytes <= 0 || this.held
  }

  /**
   * Puts the reserve in place if it is not: an existing file with all its blocks allocated is
   * kept, anything else is (re)written. False when the disk has no room for it. Random bytes,
   * not zeros: a compressing or deduplicating file system would store zeros in no space at all.
   */
  ensure(): boolean {
    if (this.isHeld) return true
    try {
      const st = statSync(this.path)
      if (st.size === this.bytes && st.blocks * 512 >= this.bytes) return (this.held = true)
    } catch { /* missing: write it */ }
    let fd: number | null = null
    try {
      fd = openSync(this.path, 'w', 0o600)
      const chunk = Buffer.allocUnsafe(Math.min(this.bytes, 1 << 20))
      for (let off = 0; off < this.bytes;) {
        const n = Math.min(chunk.length, this.bytes - off)
        randomFillSync(chunk, 0, n)
        off += writeSync(fd, chunk, 0, n)
      }
      fsyncSync(fd)
      closeSync(fd)
      fd = null
      return (this.held = true)
    } catch {
      if (fd !== null) try { closeSync(fd) } catch { /* already failing */ }
      rmSync(this.path, { force: true })
      return false
    }
  }

  /** Gives the reserved space back to the file system; false when there was none to give. */
  release(): boolean {
    if (this.bytes <= 0 || !this.held) return false
    rmSync(this.path, { force: true })
    this.held = false
    this.report(`disk full: released the ${this.bytes} bytes of ${this.path} so that deletes can commit; uploads are refused until free space allows restoring it`)
    return true
  }
}
