import { createHash } from 'node:crypto'
import type { DashboardBuild } from './assets-types'
import { embeddedDashboard } from './embedded'
import { buildDashboard } from './bundle'

/** One file as served: its bytes, gzipped once, and its ETag. */
export interface ServedFile {
  type: string
  body: Uint8Array<ArrayBuffer>
  gzip: Uint8Array<ArrayBuffer>
  etag: string
}

export interface ServedDashboard {
  index: ServedFile
  files: Map<string, ServedFile>
}

function served(type: string, text: string): ServedFile {
  const body = new TextEncoder().encode(text)
  return { type, body, gzip: Bun.gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

function prepare(build: DashboardBuild): ServedDashboard {
  const files = new Map<string, ServedFile>()
  for (const f of build.files) files.set(f.name, served(f.type.includes('charset') ? f.type : `${f.type}; charset=utf-8`, f.body))
  return { index: served('text/html; charset=utf-8', build.index), files }
}

let pending: Promise<ServedDashboard> | null = null

/**
 * The dashboard's files: the ones embedded in the executable, or (source checkout) built in
 * memory once per process on first use. A failed build is retried on the next request.
 */
export function dashboardFiles(): Promise<ServedDashboard> {
  if (!pending) {
    const embedded = embeddedDashboard()
    pending = (embedded ? Promise.resolve(embedded) : buildDashboard()).then(prepare)
    pending.catch(() => { pending = null })
  }
  return pending
}
