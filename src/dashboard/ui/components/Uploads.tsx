import { useEffect, useRef, useState } from 'react'
import { cancel, clearFinished, useUploads } from '../lib/uploads'
import { baseName, bytes } from '../lib/format'
import { SmallButton } from './SmallButton'

/**
 * Every upload of this page's life, with its progress and a cancel button; stays while you
 * navigate. It floats over the page, so it folds to one line (the count and the overall progress)
 * at any time, on a phone it stays short, and the page gets room below its end to scroll its last
 * lines out from under it.
 */
export function Uploads() {
  const uploads = useUploads()
  const [open, setOpen] = useState(true)
  const panel = useRef<HTMLElement>(null)
  const [room, setRoom] = useState(0)
  const shown = uploads.length > 0
  useEffect(() => {
    const el = panel.current
    if (!el) return
    const measure = () => setRoom(innerHeight - el.getBoundingClientRect().top)
    const o = new ResizeObserver(measure)
    o.observe(el)
    addEventListener('resize', measure)
    return () => { o.disconnect(); removeEventListener('resize', measure) }
  }, [shown])
  if (!shown) return null
  const active = uploads.filter((u) => u.state === 'queued' || u.state === 'uploading').length
  const done = uploads.filter((u) => u.state === 'done').length
  const total = uploads.reduce((n, u) => n + u.size, 0)
  const sent = uploads.reduce((n, u) => n + (u.state === 'done' ? u.size : u.sent), 0)
  return (
    <>
      <div className="uploads-room" style={{ height: room }} />
      <section ref={panel} className="card uploads" aria-labelledby="uploads-h">
        <div className="uploads-head">
          <h2 id="uploads-h">Uploads</h2>
          <span className="small" role="status">{active > 0 ? `${active} uploading, ${done} done` : `${done} of ${uploads.length} uploaded`}</span>
          <span className="uploads-buttons">
            <SmallButton what="each upload" aria-expanded={open} aria-controls="uploads-list" onClick={() => setOpen((o) => !o)}>
              {open ? 'Hide' : 'Show'}
            </SmallButton>
            {active === 0 ? <button type="button" className="btn btn-small" onClick={clearFinished}>Close</button> : null}
          </span>
        </div>
        {!open && active > 0 ? <progress max={Math.max(1, total)} value={sent} aria-label={`All uploads: ${bytes(sent)} of ${bytes(total)}`} /> : null}
        <ul id="uploads-list" hidden={!open} tabIndex={0} aria-labelledby="uploads-h">
          {uploads.map((u) => (
            <li key={u.id}>
              <div className="upload-row">
                <span className="upload-name" title={u.key}>{baseName(u.key)}</span>
                {u.state === 'queued' || u.state === 'uploading'
                  ? <SmallButton what={u.key} onClick={() => cancel(u.id)}>Cancel</SmallButton>
                  : <span className={`badge ${u.state === 'done' ? 'badge-ok' : 'badge-warn'}`}>{u.state}</span>}
              </div>
              <progress max={Math.max(1, u.size)} value={u.state === 'done' ? Math.max(1, u.size) : u.sent} aria-label={`${u.key}: ${bytes(u.sent)} of ${bytes(u.size)}`} />
              {u.error ? <div className="small notice-error-text">{u.error}</div> : null}
            </li>
          ))}
        </ul>
      </section>
    </>
  )
}
