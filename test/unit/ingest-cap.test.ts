/**
 * A body of unknown length (Transfer-Encoding: chunked) is cut off at the operation's own cap
 * (5 GiB for a PUT: EntityTooLarge) or at the remaining quota (QuotaExceeded), whichever is
 * smaller, and a body with a declared length is held to exactly that length. Exercised on
 * ingest() with small limits and an in-memory blob store.
 */
import { describe, expect, test } from 'bun:test'
import { ingest } from '../../src/services/objects/ingest'
import type { Deps } from '../../src/services/deps'
import { AppError } from '../../src/errors/app-error'

function memoryDeps() {
  const stored = new Map<string, number>()
  const deps = {
    blobs: {
      async put(id: string, source: AsyncIterable<Uint8Array>) {
        let n = 0
        for await (const c of source) n += c.byteLength
        stored.set(id, n)
      },
    },
  } as unknown as Deps
  return { deps, stored }
}

async function* body(total: number, chunk = 1000) {
  for (let sent = 0; sent < total; sent += chunk) yield new Uint8Array(Math.min(chunk, total - sent))
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e as { code: string }).code)
/** What the quota reservation does with a body of unknown length: QuotaExceeded past what is left. */
const quotaLeft = (max: number) => (seen: number) => { if (seen > max) throw new AppError('QuotaExceeded') }

describe('ingest limits for bodies of unknown length', () => {
  test('up to the cap is stored; one byte over is EntityTooLarge (the quota being larger)', async () => {
    const { deps, stored } = memoryDeps()
    const r = await ingest(deps, body(5000), { size: null, onBytes: quotaLeft(1_000_000), cap: 5000 })
    expect(r.digests.size).toBe(5000)
    expect(stored.get(r.blobId)).toBe(5000)
    expect(await codeOf(ingest(deps, body(5001), { size: null, onBytes: quotaLeft(1_000_000), cap: 5000 }))).toBe('EntityTooLarge')
  })

  test('a smaller remaining quota cuts off first: QuotaExceeded', async () => {
    const { deps } = memoryDeps()
    expect(await codeOf(ingest(deps, body(3001), { size: null, onBytes: quotaLeft(3000), cap: 5000 }))).toBe('QuotaExceeded')
    expect(await codeOf(ingest(deps, body(3000), { size: null, onBytes: quotaLeft(3000), cap: 5000 }))).toBe('ok')
  })

  test('a declared length is exact: the cap does not apply, a short body is IncompleteBody', async () => {
    const { deps } = memoryDeps()
    expect(await codeOf(ingest(deps, body(6000), { size: 6000, onBytes: quotaLeft(6000), cap: 5000 }))).toBe('ok')
    expect(await codeOf(ingest(deps, body(5999), { size: 6000, cap: 5000 }))).toBe('IncompleteBody')
  })
})
