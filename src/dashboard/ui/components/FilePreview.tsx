import { useEffect, useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { useLoad } from '../lib/use-load'
import { presign } from '../lib/presign'
import { baseName, bytes, dateTime, kindOf, type FileKind } from '../lib/format'
import { href } from '../lib/router'
import { LoadState, Notice } from './Notice'
import { CopyField } from './CopyButton'
import { Field } from './Field'
import { ContentView, checked, type Content } from './ContentView'

type Details = Data<ReturnType<typeof client.api.buckets>['object']['get']>

const presignGet = (bucket: string, key: string, expiresIn = 3600) =>
  presign({ bucket, key, operation: 'GetObject', expiresIn }).then((p) => p.url)

/** One file: its details, the content as the browser shows it, download, link, share, delete. */
export function FilePreview({ bucket, fileKey, onDelete }: { bucket: string; fileKey: string; onDelete: () => void }) {
  const details = useLoad(() => call(client.api.buckets({ name: seg(bucket) }).object.get({ query: { key: fileKey } })), [bucket, fileKey])
  const d = details.data
  const kind = d ? kindOf(d.key, d.contentType) : 'other'
  return (
    <section className="card preview" aria-labelledby="preview-h">
      <h2 id="preview-h" className="file-title" tabIndex={-1}>{baseName(fileKey)}</h2>
      <LoadState loading={details.loading} error={details.error} hasData={!!d} />
      {d ? (
        <>
          <ContentView kind={kind} name={d.key} size={d.size} source={`${bucket}/${d.key}/${d.etag}`} load={() => loadCurrent(bucket, d, kind)} />
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

/** Images through a signed /api/img URL (resized), text and other media through a presigned GET. */
async function loadCurrent(bucket: string, d: Details, kind: FileKind): Promise<Content> {
  if (kind === 'image') return { url: (await call(client.api.img.sign.post({ bucket, key: d.key, params: { w: 1200, h: 1200, fit: 'fit' } }))).path }
  const url = await presignGet(bucket, d.key)
  return kind === 'text' ? { text: await checked(await fetch(url)).text() } : { url }
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
      {url ? <CopyField label="Link" value={url} what="the presigned link" /> : null}
    </form>
  )
}
