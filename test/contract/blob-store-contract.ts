/**
 * The BlobStore contract, runnable against any implementation (fs today, upstream S3 later):
 *
 *   import { blobStoreContract } from './blob-store-contract'
 *   blobStoreContract('my-store', async () => ({ store, partialWrites, plantPartialWrite, cleanup }))
 *
 * Everything here is what the services rely on: put is all-or-nothing (a source that throws
 * leaves no blob and no partial bytes behind), gets return exactly the stored bytes (ranges are
 * inclusive), delete is idempotent, recover() drops partial writes, list() names what is stored.
 */
import { describe, test, expect, beforeEach, afterEach } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { BlobMissingError, type BlobSource, type BlobStore } from '../../src/blob/blob-store'

export interface BlobStoreFixture {
  store: BlobStore
  /** Backend-specific leftovers of unfinished writes (temp files, pending multipart uploads). */
  partialWrites(): Promise<string[]>
  /** Simulates a crash mid-put: leaves the kind of partial write the backend would. */
  plantPartialWrite(): Promise<void>
  cleanup(): Promise<void>
}

let seq = 0
/** Blob ids as the services make them: 32 lowercase hex characters, unique per test. */
export const newBlobId = () => randomBytes(12).toString('hex') + (seq++).toString(16).padStart(8, '0')

export async function* chunksOf(data: Uint8Array, sizes: number[]): BlobSource {
  let off = 0
  let i = 0
  while (off < data.length) {
    const n = Math.max(0, sizes[i++ % sizes.length])
    yield data.subarray(off, Math.min(data.length, off + n))
    off += n
  }
}

/** A source that yields `good` bytes and then fails, like a client disconnecting mid-upload. */
export async function* failingSource(good: Uint8Array, error: Error): BlobSource {
  yield good.subarray(0, good.length >> 1)
  await Bun.sleep(1)
  yield good.subarray(good.length >> 1)
  throw error
}

export async function readAll(body: Blob | ReadableStream<Uint8Array>): Promise<Buffer> {
  if (body instanceof Blob) return Buffer.from(await body.arrayBuffer())
  return Buffer.from(await new Response(body).arrayBuffer())
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const id of it) out.push(id)
  return out.sort()
}

export function blobStoreContract(name: string, make: () => Promise<BlobStoreFixture>) {
  describe(`BlobStore contract: ${name}`, () => {
    let f: BlobStoreFixture
    beforeEach(async () => {
      f = await make()
    })
    afterEach(async () => {
      await f.cleanup()
    })

    test('put then get returns exactly the bytes, whatever the chunking', async () => {
      const data = randomBytes(3 * 1024 * 1024 + 17)
      // Tiny, empty, odd and larger-than-a-write-buffer chunks.
      for (const sizes of [[data.length], [1, 0, 7, 65536, 3], [(1 << 20) + 1, 5], [4096]]) {
        const id = newBlobId()
        expect(await f.store.put(id, chunksOf(data, sizes))).toEqual({ size: data.length })
        expect((await readAll(await f.store.get(id))).equals(data)).toBe(true)
        expect((await f.store.stat(id))?.size).toBe(data.length)
      }
    })

    test('an empty blob', async () => {
      const id = newBlobId()
      expect(await f.store.put(id, chunksOf(new Uint8Array(0), [1]))).toEqual({ size: 0 })
      expect((await readAll(await f.store.get(id))).length).toBe(0)
      expect((await f.store.stat(id))?.size).toBe(0)
    })

    test('range get is inclusive and clipped at the end', async () => {
      const data = randomBytes(10_000)
      const id = newBlobId()
      await f.store.put(id, chunksOf(data, [999]))
      const range = async (start: number, end: number) => readAll(await f.store.get(id, { start, end }))
      expect((await range(0, 0)).equals(data.subarray(0, 1))).toBe(true)
      expect((await range(0, 9)).equals(data.subarray(0, 10))).toBe(true)
      expect((await range(1234, 5678)).equals(data.subarray(1234, 5679))).toBe(true)
      expect((await range(9999, 9999)).equals(data.subarray(9999))).toBe(true)
      expect((await range(9000, 20_000)).equals(data.subarray(9000))).toBe(true)
    })

    test('stat reports size and a modification time; a missing blob is null', async () => {
      const id = newBlobId()
      const before = Date.now()
      await f.store.put(id, chunksOf(Buffer.from('hello'), [5]))
      const st = await f.store.stat(id)
      expect(st?.size).toBe(5)
      expect(st!.mtimeMs).toBeGreaterThan(before - 5_000)
      expect(await f.store.stat(newBlobId())).toBeNull()
    })

    test('get of a missing blob throws BlobMissingError', async () => {
      const id = newBlobId()
      await expect(f.store.get(id)).rejects.toBeInstanceOf(BlobMissingError)
      await expect(f.store.get(id, { start: 0, end: 1 })).rejects.toBeInstanceOf(BlobMissingError)
    })

    test('delete is idempotent and only removes its blob', async () => {
      const a = newBlobId()
      const b = newBlobId()
      await f.store.put(a, chunksOf(Buffer.from('a'), [1]))
      await f.store.put(b, chunksOf(Buffer.from('b'), [1]))
      await f.store.delete(a)
      await f.store.delete(a)
      await f.store.delete(newBlobId()) // never existed
      expect(await f.store.stat(a)).toBeNull()
      expect((await readAll(await f.store.get(b))).toString()).toBe('b')
    })

    test('atomic put: a source that throws mid-stream leaves no blob and no partial write', async () => {
      const id = newBlobId()
      const boom = new Error('client went away')
      const data = randomBytes(2 * 1024 * 1024)
      // put() settles only after its cleanup: nothing is left the moment it rejects.
      await expect(f.store.put(id, failingSource(data, boom))).rejects.toBe(boom)
      expect(await f.store.stat(id)).toBeNull()
      await expect(f.store.get(id)).rejects.toBeInstanceOf(BlobMissingError)
      expect(await f.partialWrites()).toEqual([])
      expect(await collect(f.store.list())).toEqual([])
    })

    test('a source failing before its first byte leaves nothing either', async () => {
      const id = newBlobId()
      async function* dead(): BlobSource {
        throw new Error('no bytes at all')
      }
      await expect(f.store.put(id, dead())).rejects.toThrow('no bytes at all')
      expect(await f.store.stat(id)).toBeNull()
      expect(await f.partialWrites()).toEqual([])
    })

    test('concurrent puts of different blobs all land intact', async () => {
      const items = Array.from({ length: 8 }, (_, i) => ({ id: newBlobId(), data: randomBytes(50_000 + i * 1000) }))
      await Promise.all(items.map((it) => f.store.put(it.id, chunksOf(it.data, [4096, 333]))))
      for (const it of items) expect((await readAll(await f.store.get(it.id))).equals(it.data)).toBe(true)
      expect(await f.partialWrites()).toEqual([])
    })

    test('recover() removes partial writes and keeps committed blobs', async () => {
      const id = newBlobId()
      await f.store.put(id, chunksOf(Buffer.from('kept'), [4]))
      await f.plantPartialWrite()
      await f.plantPartialWrite()
      expect((await f.partialWrites()).length).toBe(2)
      expect(await f.store.recover()).toEqual({ tempFilesRemoved: 2 })
      expect(await f.partialWrites()).toEqual([])
      expect((await readAll(await f.store.get(id))).toString()).toBe('kept')
      expect(await f.store.recover()).toEqual({ tempFilesRemoved: 0 })
    })

    test('list() names exactly the stored blobs', async () => {
      expect(await collect(f.store.list())).toEqual([])
      const ids = [newBlobId(), newBlobId(), newBlobId()]
      for (const id of ids) await f.store.put(id, chunksOf(Buffer.from(id), [8]))
      await f.plantPartialWrite() // partial writes are not blobs
      expect(await collect(f.store.list())).toEqual([...ids].sort())
      await f.store.delete(ids[1])
      expect(await collect(f.store.list())).toEqual([ids[0], ids[2]].sort())
    })

    // Blob ids come from the services, never from object keys; a store must still refuse ids that
    // could name something outside its own namespace.
    test.each(['../../etc/passwd', 'a/b/c/d/e/f/g/h', '..', '', 'x'.repeat(300), 'bad id with spaces'])('refuses the blob id %j', async (id) => {
      await expect(f.store.put(id, chunksOf(Buffer.from('x'), [1]))).rejects.toThrow()
      expect(await f.partialWrites()).toEqual([])
    })
  })
}
