import { createTwoFilesPatch } from 'diff'
import { iterateStream } from '../../blob/streams'
import type { VersionRow } from '../../db/repos/objects'
import type { Deps } from '../deps'
import { openContent } from '../objects/read'

export const MAX_DIFF_BYTES = 1024 * 1024
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-yaml|yaml|toml|x-sh|sql|csv|x-www-form-urlencoded)|image\/svg\+xml)/i
const TEXT_EXT = /\.(txt|md|markdown|json|ya?ml|toml|ini|cfg|conf|csv|tsv|xml|html?|css|js|mjs|ts|tsx|jsx|py|rb|go|rs|java|c|h|cpp|sh|sql|log|env|svg)$/i

async function readText(d: Deps, v: VersionRow): Promise<string | null> {
  const body = await openContent(d, v)
  const chunks: Uint8Array[] = []
  for await (const c of iterateStream(body instanceof Blob ? body.stream() : body)) chunks.push(c)
  const buf = Buffer.concat(chunks)
  if (buf.includes(0)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf)
  } catch {
    return null
  }
}

const meta = (v: VersionRow) => ({
  versionId: v.id, versionNumber: v.versionNumber, size: v.size, etag: v.etag, sha256: v.sha256, contentType: v.contentType,
  createdAt: new Date(v.createdAt).toISOString(), metadata: JSON.parse(v.userMetaJson) as Record<string, string>,
})

/**
 * Compares two versions: a unified text diff when both are text-like, valid UTF-8 and at most
 * 1 MiB; otherwise (binary, too large, too different) a metadata comparison with the reason.
 */
export async function compareVersions(d: Deps, key: string, a: VersionRow, b: VersionRow) {
  const base = { key, from: meta(a), to: meta(b), identical: a.sha256 !== null && a.sha256 === b.sha256 && a.size === b.size }
  const textLike = (v: VersionRow) => TEXT_TYPES.test(v.contentType) || TEXT_EXT.test(key)
  if (!textLike(a) || !textLike(b)) return { ...base, kind: 'metadata' as const, reason: 'not a text file' }
  if (a.size > MAX_DIFF_BYTES || b.size > MAX_DIFF_BYTES) return { ...base, kind: 'metadata' as const, reason: `larger than ${MAX_DIFF_BYTES} bytes` }
  const [ta, tb] = await Promise.all([readText(d, a), readText(d, b)])
  if (ta === null || tb === null) return { ...base, kind: 'metadata' as const, reason: 'not valid UTF-8 text' }
  const patch = createTwoFilesPatch(`${key}@v${a.versionNumber}`, `${key}@v${b.versionNumber}`, ta, tb, undefined, undefined, { context: 3, maxEditLength: 20_000, timeout: 2000 })
  if (patch === undefined) return { ...base, kind: 'metadata' as const, reason: 'too different to diff' }
  let added = 0
  let removed = 0
  for (const line of patch.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) added++
    else if (line.startsWith('-') && !line.startsWith('---')) removed++
  }
  return { ...base, kind: 'diff' as const, diff: patch, stats: { added, removed } }
}
