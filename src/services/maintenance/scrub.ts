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
  function ownerOf(blobId: string): { bucket: string; key: string } {
    const r = d.db.sqlite.query(`
      SELECT b.name AS bucket, v.key AS key FROM object_versions v JOIN buckets b ON b.id = v.bucket_id WHERE v.blob_id = ?1
      UNION ALL SELECT b.name, v.key FROM version_parts p JOIN object_versions v ON v.id = p.version_id JOIN buckets b ON b.id = v.bucket_id WHERE p.blob_id = ?1
      UNION ALL SELECT b.name, u.key FROM multipart_parts p JOIN multipart_uploads u ON u.id = p.upload_id JOIN buckets b ON b.id = u.bucket_id WHERE p.blob_id = ?1
      LIMIT 1`).get(blobId) as { bucket: string; key: string } | null
    return r ?? { bucket: '?', key: '?' }
  }

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
