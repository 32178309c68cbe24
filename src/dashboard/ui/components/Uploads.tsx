import { cancel, clearFinished, useUploads } from '../lib/uploads'
import { baseName, bytes } from '../lib/format'

/** Every upload of this page's life, with its progress and a cancel button; stays while you navigate. */
export function Uploads() {
  const uploads = useUploads()
  if (uploads.length === 0) return null
  const active = uploads.filter((u) => u.state === 'queued' || u.state === 'uploading').length
  const done = uploads.filter((u) => u.state === 'done').length
  return (
    <section className="card uploads" aria-labelledby="uploads-h">
      <div className="card-head">
        <h2 id="uploads-h">Uploads</h2>
        {active === 0 ? <button type="button" className="btn btn-small" onClick={clearFinished}>Close</button> : null}
      </div>
      <p className="small" role="status">{active > 0 ? `${active} uploading, ${done} done` : `${done} of ${uploads.length} uploaded`}</p>
      <ul>
        {uploads.map((u) => (
          <li key={u.id}>
            <div className="upload-row">
              <span className="upload-name" title={u.key}>{baseName(u.key)}</span>
              {u.state === 'queued' || u.state === 'uploading'
                ? <button type="button" className="btn btn-small" onClick={() => cancel(u.id)}>Cancel<span className="offscreen"> {u.key}</span></button>
                : <span className={`badge ${u.state === 'done' ? 'badge-ok' : 'badge-warn'}`}>{u.state}</span>}
            </div>
            <progress max={Math.max(1, u.size)} value={u.state === 'done' ? Math.max(1, u.size) : u.sent} aria-label={`${u.key}: ${bytes(u.sent)} of ${bytes(u.size)}`} />
            {u.error ? <div className="small notice-error-text">{u.error}</div> : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
