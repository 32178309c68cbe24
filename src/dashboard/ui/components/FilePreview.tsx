import { useEffect, useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { useLoad } from '../lib/use-load'
import { presign } from '../lib/presign'
import { baseName, bytes, dateTime, kindOf } from '../lib/format'
import { href } from '../lib/router'
import { LoadState, Notice } from './Notice'
import { CopyButton } from './CopyButton'
import { Field } from './Field'

type Details = Data<ReturnType<typeof client.api.buckets>['object']['get']>

const presignGet = (bucket: string, key: string, expiresIn = 3600) =>
  presign({ bucket, key, operation: 'GetObject', expiresIn }).then((p) => p.url)

/** One file: its details, the content as the browser shows it, download, link, share, delete. */
export function FilePreview({ bucket, fileKey, onDelete }: { bucket: string; fileKey: string; onDelete: () => void }) {
  const details = useLoad(() => call(client.api.buckets({ name: seg(bucket) }).object.get({ query: { key: fileKey } })), [bucket, fileKey])
  const d = details.data
  return (
    <section className="card preview" aria-labelledby="preview-h">
      <h2 id="preview-h" className="file-title" tabIndex={-1}>{baseName(fileKey)}</h2>
      <LoadState loading={details.loading} error={details.error} hasData={!!d} />
      {d ? (
        <>
          <Viewer bucket={bucket} d={d} />
          <dl className="stats">
            <div><dt>Size</dt><dd>{bytes(d.size)}</dd></div>
            <div><dt>Type</dt><dd>{d.contentType}</dd></div>
            <div><dt>Modified</dt><dd>{dateTime(d.lastModified)}</dd></div>
            <div><dt>Versions</dt><dd>{d.versions}</dd></div>
          </dl>
          {Object.keys(d.metadata).length > 0 ? (
            <dl className="stats">{Object.entries(d.metadata).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}</dl>
          ) : null}
          <div className="actions">
            <a className="btn btn-small" href={`/api/versions/${encodeURIComponent(d.versionId)}`} download={baseName(fileKey)}>Download</a>
            <a className="btn btn-small" href={href('shares', bucket, fileKey)}>Share…</a>
            {d.versions > 1 ? <a className="btn btn-small" href={href('time-machine', bucket, fileKey)}>History</a> : null}
            <button type="button" className="btn btn-small btn-danger" onClick={onDelete}>Delete…</button>
          </div>
          <PresignedLink bucket={bucket} fileKey={fileKey} />
        </>
      ) : null}
    </section>
  )
}

/** Images through a signed /api/img URL (resized), other media and text through a presigned GET. */
function Viewer({ bucket, d }: { bucket: string; d: Details }) {
  const kind = kindOf(d.key, d.contentType)
  const [src, setSrc] = useState<string | null>(null)
  const [text, setText] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setSrc(null); setText(null); setError(null)
    if (kind === 'other' || (kind === 'text' && d.size > 1024 * 1024)) return
    let live = true
    const go = async () => {
      if (kind === 'image') {
        const r = await call(client.api.img.sign.post({ bucket, key: d.key, params: { w: 1200, h: 1200, fit: 'fit' } }))
        if (live) setSrc(r.path)
        return
      }
      const url = await presignGet(bucket, d.key)
      if (kind === 'text') {
        const r = await fetch(url)
        if (!r.ok) throw new Error(`The S3 endpoint answered ${r.status}.`)
        const t = await r.text()
        if (live) setText(t)
      } else if (live) setSrc(url)
    }
    go().catch((e) => { if (live) setError(messageOf(e)) })
    return () => { live = false }
  }, [bucket, d.key, d.etag, kind, d.size])
  if (error) return <Notice kind="error">{error}</Notice>
  if (kind === 'other') return <p className="muted">No preview for this type of file.</p>
  if (kind === 'text' && d.size > 1024 * 1024) return <p className="muted">Too large to preview ({bytes(d.size)}).</p>
  if (kind === 'text') return text === null ? <p className="muted" role="status">Loading preview…</p> : <pre className="preview-text" tabIndex={0} aria-label={`Content of ${d.key}`}>{text}</pre>
  if (!src) return <p className="muted" role="status">Loading preview…</p>
  if (kind === 'image') return <img className="preview-img" src={src} alt={d.key} />
  if (kind === 'pdf') return <iframe className="preview-frame" src={src} title={`PDF ${d.key}`} />
  if (kind === 'audio') return <audio controls src={src} aria-label={d.key} />
  return <video controls src={src} aria-label={d.key} />
}

/** A presigned GET URL to hand out (works without an account until it expires). */
function PresignedLink({ bucket, fileKey }: { bucket: string; fileKey: string }) {
  const [expires, setExpires] = useState('3600')
  const [url, setUrl] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => { setUrl(null) }, [bucket, fileKey, expires])
  return (
    <form className="presign" onSubmit={async (e) => {
      e.preventDefault()
      setError(null)
      try { setUrl(await presignGet(bucket, fileKey, Number(expires))) } catch (err) { setError(messageOf(err)) }
    }}>
      <div className="toolbar">
        <Field label="Presigned link valid for">
          {(id) => (
            <select id={id} value={expires} onChange={(e) => setExpires(e.target.value)}>
              <option value="3600">1 hour</option>
              <option value="86400">1 day</option>
              <option value="604800">7 days</option>
            </select>
          )}
        </Field>
        <button type="submit" className="btn btn-small">Create link</button>
      </div>
      <Notice kind="error">{error}</Notice>
      {url ? <div className="copy-field"><span className="copy-label">Link</span><code>{url}</code><CopyButton text={url} what="the presigned link" /></div> : null}
    </form>
  )
}
