import { useEffect, useState } from 'react'
import { messageOf } from '../api'
import { bytes, type FileKind } from '../lib/format'
import { Notice } from './Notice'

/** What a viewer shows: text inline, or a URL for the element of its kind (`release` frees a blob: URL). */
export type Content = { text: string } | { url: string; release?: () => void }

/** Text is shown inline up to this size. */
const TEXT_MAX = 1024 * 1024

const release = (c: Content) => { if ('url' in c) c.release?.() }

/**
 * A file's content as the browser shows it, by kind: text inline, an image, a PDF in the
 * browser's viewer, audio and video with controls. The caller says where the content comes from
 * (`load`: a presigned S3 URL, a signed image URL, a version's bytes) and what identifies it
 * (`source`: loaded again when it changes); `maxBytes` caps what is loaded at all.
 */
export function ContentView({ kind, name, size, source, load, maxBytes = Infinity }: {
  kind: FileKind; name: string; size: number; source: string; load: () => Promise<Content>; maxBytes?: number
}) {
  const [content, setContent] = useState<Content | null>(null)
  const [error, setError] = useState<string | null>(null)
  const tooLarge = size > (kind === 'text' ? Math.min(TEXT_MAX, maxBytes) : maxBytes)
  const shown = kind !== 'other' && !tooLarge
  useEffect(() => {
    setContent(null)
    setError(null)
    if (!shown) return
    let live = true
    let got: Content | null = null
    load().then((c) => {
      got = c
      if (live) setContent(c)
      else release(c)
    }, (e) => { if (live) setError(messageOf(e)) })
    return () => {
      live = false
      if (got) release(got)
    }
    // `load` is a new closure each render; `source` says when the content changed.
  }, [source, shown])
  if (error) return <Notice kind="error">{error}</Notice>
  if (kind === 'other') return <p className="muted">No preview for this type of file.</p>
  if (tooLarge) return <p className="muted">Too large to preview here ({bytes(size)}).</p>
  if (!content) return <p className="muted" role="status">Loading preview…</p>
  if ('text' in content) return <pre className="preview-text" tabIndex={0} aria-label={`Content of ${name}`}>{content.text}</pre>
  if (kind === 'image') return <img className="preview-img" src={content.url} alt={name} />
  if (kind === 'pdf') return <iframe className="preview-frame" src={content.url} title={`PDF ${name}`} />
  if (kind === 'audio') return <audio controls src={content.url} aria-label={name} />
  return <video controls src={content.url} aria-label={name} />
}

/** The response if it is a success, else an error naming its status (for a loader). */
export function checked(r: Response): Response {
  if (!r.ok) throw new Error(`The server answered ${r.status}.`)
  return r
}
