import { iterateStream } from '../../blob/streams'
import { BlobMissingError } from '../../blob/blob-store'
import type { Deps } from '../deps'

export interface ScrubFinding {
  problem: 'corrupt' | 'missing'
  blobId: string
  bucket: string
  key: string
}

/** Re-reads every live blob and compares its SHA-256 with the one recorded at write time. */
export function scrubService(d: Deps) {
  const ownerOf = (blobId: string): { bucket: string; key: string } => d.repos.blobs.ownerOf(blobId) ?? { bucket: '?', key: '?' }

  return {
    async run(): Promise<{ checked: number; corrupt: ScrubFinding[]; missing: ScrubFinding[] }> {
      const corrupt: ScrubFinding[] = []
      const missing: ScrubFinding[] = []
      let checked = 0
      let after = ''
      for (;;) {
        const page = d.repos.blobs.livePage(after, 500)
        if (page.length === 0) break
        for (const b of page) {
          after = b.id
          checked++
          let body: Blob | ReadableStream<Uint8Array>
          try {
            body = await d.blobs.get(b.id)
          } catch (e) {
            if (e instanceof BlobMissingError) { missing.push({ problem: 'missing', blobId: b.id, ...ownerOf(b.id) }); continue }
            throw e
          }
          const h = new Bun.CryptoHasher('sha256')
          let size = 0
          for await (const chunk of iterateStream(body instanceof Blob ? body.stream() : body)) {
            h.update(chunk)
            size += chunk.byteLength
          }
          if (size !== b.size || (b.sha256 && h.digest('hex') !== b.sha256)) corrupt.push({ problem: 'corrupt', blobId: b.id, ...ownerOf(b.id) })
        }
      }
      return { checked, corrupt, missing }
    },
  }
}
export type ScrubService = ReturnType<typeof scrubService>
