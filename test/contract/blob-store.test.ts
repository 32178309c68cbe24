import { describe, test, expect, afterAll } from 'bun:test'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { FsBlobStore } from '../../src/blob/fs-store'
import { AppError } from '../../src/errors/app-error'
import { blobStoreContract, chunksOf, failingSource, newBlobId } from './blob-store-contract'

const roots: string[] = []
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true })
})

function fsFixtureRoot() {
  const root = mkdtempSync(join(tmpdir(), 'cs-blobs-'))
  roots.push(root)
  return root
}

let planted = 0
blobStoreContract('fs', async () => {
  const root = fsFixtureRoot()
  const store = new FsBlobStore(root)
  return {
    store,
    partialWrites: async () => readdirSync(join(root, 'tmp')).sort(),
    // What a crash mid-put leaves: a temp file named like the store's own.
    plantPartialWrite: async () => writeFileSync(join(root, 'tmp', `${newBlobId()}.${(planted++).toString(16).padStart(8, '0')}`), 'partial bytes'),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  }
})

describe('FsBlobStore specifics', () => {
  test('blobs live at blobs/<last2>/<id>, derived from the id only, mode 0600', async () => {
    const root = fsFixtureRoot()
    const store = new FsBlobStore(root)
    const id = 'c5493dae4995f3d6e0832509ebb22905'
    await store.put(id, chunksOf(Buffer.from('x'), [1]))
    expect(store.pathOf(id)).toBe(join(root, 'blobs', '05', id))
    expect(existsSync(store.pathOf(id))).toBe(true)
    expect(statSync(store.pathOf(id)).mode & 0o777).toBe(0o600)
    // Nothing else was created besides the fan-out directories.
    const all: string[] = []
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : all.push(relative(root, join(d, e.name)))
    }
    walk(root)
    expect(all).toEqual([join('blobs', '05', id)])
  })

  test('below the disk reserve a put fails with InsufficientStorage and leaves nothing', async () => {
    const root = fsFixtureRoot()
    const store = new FsBlobStore(root, Number.MAX_SAFE_INTEGER)
    const id = newBlobId()
    let err: unknown
    try {
      await store.put(id, chunksOf(Buffer.from('data'), [4]))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AppError)
    expect((err as AppError).code).toBe('InsufficientStorage')
    expect(await store.stat(id)).toBeNull()
    expect(readdirSync(join(root, 'tmp'))).toEqual([])
  })

  test('a failed put does not disturb an existing blob', async () => {
    const root = fsFixtureRoot()
    const store = new FsBlobStore(root)
    const id = newBlobId()
    await store.put(id, chunksOf(Buffer.from('original'), [8]))
    await expect(store.put(id, failingSource(Buffer.from('replacement bytes'), new Error('cut')))).rejects.toThrow('cut')
    expect(await Bun.file(store.pathOf(id)).text()).toBe('original')
    expect(readdirSync(join(root, 'tmp'))).toEqual([])
  })
})
