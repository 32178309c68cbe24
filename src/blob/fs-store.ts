import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError } from '../errors/app-error'
import { newHexId } from '../domain/ids'
import { mkdirChildrenDurable, mkdirDurable } from '../fs/durable'
import { BlobMissingError, type BlobSource, type BlobStore, type ByteRange } from './blob-store'
import type { SpaceReserve } from './space-reserve'

const WRITE_BUFFER = 1 << 20

/*
 * Write buffers are reused across PUTs. A fresh 1 MiB buffer per PUT is paid for in page faults
 * when it is first filled and in madvise + TLB shootdowns once the GC returns it: on a 2-core VM
 * that was ~15% of the server's CPU per 1 MiB PUT. At most 8 spares (8 MiB) are kept; beyond
 * that concurrency, buffers are allocated and dropped as before.
 */
const MAX_SPARE_BUFFERS = 8
const spareBuffers: Buffer[] = []
const BLOB_ID_RE = /^[A-Za-z0-9_-]{8,64}$/

/** fsync a directory so a rename or create inside it survives power loss. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

/** How long a free-space reading is trusted (our own writes are subtracted meanwhile). */
const STATFS_TTL_MS = 250

/**
 * Filesystem blob store. Durability protocol: write `tmp/<id>.<rand>` → fsync(file) →
 * rename to `blobs/ab/<id>` → fsync(dir). Paths derive from the blob id only, never from
 * object keys, so traversal is impossible by construction. The 256 fan-out directories are
 * created (and made durable) once, at open, so a PUT never pays for a mkdir and its fsyncs.
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string
  private readonly tmpDir: string
  private freeBytes = 0
  private freeCheckedAt = -Infinity

  /**
   * `reserveBytes`: free space below which new bytes are refused (deletes and commits keep
   * working). `space`: the metadata reserve, refilled before new bytes are accepted once a
   * delete on a completely full disk had to use it.
   */
  constructor(private readonly root: string, private readonly reserveBytes = 0, private readonly space: SpaceReserve | null = null) {
    this.blobsDir = join(root, 'blobs')
    this.tmpDir = join(root, 'tmp')
    // New directory entries must be durable before a blob inside them is acknowledged.
    mkdirDurable(this.tmpDir)
    mkdirDurable(this.blobsDir)
    mkdirChildrenDurable(this.blobsDir, Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')))
  }

  pathOf(blobId: string): string {
    if (!BLOB_ID_RE.test(blobId) || !/[0-9a-f]{2}$/.test(blobId)) throw new Error(`invalid blob id ${JSON.stringify(blobId)}`)
    return join(this.blobsDir, blobId.slice(-2), blobId)
  }

  /**
   * Refuse new bytes before the disk is completely full, so deletes and commits still work.
   * Every write is checked against the last statfs reading minus what we wrote since; the
   * reading is renewed every 250 ms and whenever a write would come near the reserve, so a burst
   * of uploads cannot run through it to ENOSPC, at one statfs per 250 ms instead of per write.
   */
  private checkReserve(bytes: number) {
    if (this.reserveBytes <= 0) return
    const now = performance.now()
    const spaceOut = this.space !== null && !this.space.isHeld
    if (spaceOut || now - this.freeCheckedAt > STATFS_TTL_MS || this.freeBytes - bytes < this.reserveBytes * 2) {
      const s = statfsSync(this.root)
      this.freeBytes = s.bavail * s.bsize
      this.freeCheckedAt = now
    }
    if (spaceOut) {
      // The metadata reserve went to deletes on a full disk: it comes back before any new bytes.
      if (this.freeBytes - this.space!.bytes - bytes < this.reserveBytes || !this.space!.ensure()) throw new AppError('InsufficientStorage')
      this.freeBytes -= this.space!.bytes
    }
    if (this.freeBytes - bytes < this.reserveBytes) throw new AppError('InsufficientStorage')
    this.freeBytes -= bytes
  }

  async put(blobId: string, source: BlobSource): Promise<{ size: number }> {
    this.checkReserve(0)
    const finalPath = this.pathOf(blobId)
    const tmpPath = join(this.tmpDir, `${blobId}.${newHexId(4)}`)
    const fh = await open(tmpPath, 'wx', 0o600)
    let size = 0
    let ok = false
    let taken: Buffer | null = null
    try {
      // Coalesce small network chunks into large writes.
      const buf = (taken = spareBuffers.pop() ?? Buffer.allocUnsafe(WRITE_BUFFER))
      let used = 0
      const flush = async () => {
        this.checkReserve(used)
        let off = 0
        while (off < used) off += (await fh.write(buf, off, used - off)).bytesWritten
        used = 0
      }
      for await (const chunk of source) {
        size += chunk.byteLength
        if (chunk.byteLength >= WRITE_BUFFER) {
          await flush()
          this.checkReserve(chunk.byteLength)
          let off = 0
          while (off < chunk.byteLength) off += (await fh.write(chunk, off, chunk.byteLength - off)).bytesWritten
          continue
        }
        if (used + chunk.byteLength > WRITE_BUFFER) {
          await flush() // awaited: the buffer is free to reuse once the write completed
        }
        buf.set(chunk, used)
        used += chunk.byteLength
      }
      await flush()
      await fh.datasync()
      await fh.close()
      const dir = join(finalPath, '..')
      await rename(tmpPath, finalPath)
      await fsyncDir(dir)
      ok = true
      return { size }
    } finally {
      // No write is in flight here: every write is awaited before the next chunk is taken.
      if (taken && spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(taken)
      if (!ok) {
        await fh.close().catch(() => {})
        await unlink(tmpPath).catch(() => {})
      }
    }
  }

  async get(blobId: string, range?: ByteRange): Promise<Blob> {
    const path = this.pathOf(blobId)
    let size: number
    try {
      size = statSync(path).size
    } catch {
      throw new BlobMissingError(blobId)
    }
    const file = Bun.file(path)
    if (!range) return size === 0 ? new Blob([]) : file
    return file.slice(range.start, Math.min(range.end, size - 1) + 1)
  }

  /** One synchronous read: for the small blobs it is used on, cheaper than a pool round trip. */
  async getBytes(blobId: string): Promise<Uint8Array> {
    try {
      return readFileSync(this.pathOf(blobId))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobMissingError(blobId)
      throw e
    }
  }

  async stat(blobId: string): Promise<{ size: number; mtimeMs: number } | null> {
    try {
      const st = statSync(this.pathOf(blobId))
      return { size: st.size, mtimeMs: st.mtimeMs }
    } catch {
      return null
    }
  }

  async delete(blobId: string): Promise<void> {
    try {
      await unlink(this.pathOf(blobId))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
  }

  async recover(): Promise<{ tempFilesRemoved: number }> {
    let n = 0
    for (const name of readdirSync(this.tmpDir)) {
      rmSync(join(this.tmpDir, name), { force: true, recursive: true })
      n++
    }
    if (n) {
      const fd = openSync(this.tmpDir, 'r')
      try { fsyncSync(fd) } finally { closeSync(fd) }
    }
    // The metadata reserve (missing on first start, or used while the disk was full).
    if (this.space && !this.space.ensure()) this.space.report(`no room for the metadata reserve ${this.space.path} (${this.space.bytes} bytes): the disk is full; uploads are refused until there is`)
    return { tempFilesRemoved: n }
  }

  async *list(): AsyncIterable<string> {
    for (const a of readdirSync(this.blobsDir)) {
      for (const id of readdirSync(join(this.blobsDir, a))) yield id
    }
  }
}
