import { useEffect, useRef, useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { useMe } from '../session'
import { useLoad } from '../lib/use-load'
import { baseName, bytes, dateTime, isThumbnailable, typeLabel } from '../lib/format'
import { go, href } from '../lib/router'
import { enqueue, onUploadFinished, pendingIn } from '../lib/uploads'
import { refreshBuckets } from '../lib/buckets'
import { PageHeader } from '../components/PageHeader'
import { BucketPicker } from '../components/BucketPicker'
import { LoadState, Notice } from '../components/Notice'
import { FileDrop } from '../components/FileDrop'
import { FilePreview } from '../components/FilePreview'
import { Confirm } from '../components/Dialog'

type Listing = Data<ReturnType<typeof client.api.buckets>['objects']['get']>
type Entry = Listing['objects'][number]

const PAGE = 200
/** styles.css: below this width the preview stacks under the list (.split-files). */
const STACKED = '(max-width: 1000px)'

function listPage(bucket: string, prefix: string, cursor?: string) {
  return call(client.api.buckets({ name: seg(bucket) }).objects.get({ query: { prefix, delimiter: '/', limit: PAGE, ...(cursor ? { cursor } : {}) } }))
}

/** Signed thumbnail URLs for the images of a page: one call for the whole page. */
async function thumbnails(bucket: string, objects: Entry[]): Promise<Record<string, string>> {
  const keys = objects.filter((o) => isThumbnailable(o.key)).map((o) => o.key)
  if (keys.length === 0) return {}
  const r = await call(client.api.img['sign-batch'].post({ bucket, keys, params: { w: 96, h: 96, fit: 'cover' } }))
  return Object.fromEntries(r.urls.map((u) => [u.key, u.path]))
}

/** Browse a bucket by folders, upload by drag and drop, preview, download, share, delete. */
export function Files({ bucket: routeBucket, prefix = '', selected }: { bucket?: string; prefix?: string; selected?: string }) {
  const me = useMe()
  const bucket = routeBucket || me.account.defaultBucket || ''
  const listing = useLoad(async () => {
    const page = await listPage(bucket, prefix)
    let thumbs: Record<string, string> = {}
    try { thumbs = await thumbnails(bucket, page.objects) } catch { /* names without thumbnails */ }
    return { ...page, thumbs }
  }, [bucket, prefix])
  const [more, setMore] = useState<{ objects: Entry[]; prefixes: string[]; thumbs: Record<string, string>; cursor: string | null } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [deleting, setDeleting] = useState<string | null>(null)
  useEffect(() => setMore(null), [bucket, prefix])

  // Refresh when the last upload into this bucket finishes (once, not per file; no polling).
  useEffect(() => onUploadFinished((u) => {
    if (u.bucket === bucket && !pendingIn(bucket)) {
      setMore(null)
      void listing.reload()
      void refreshBuckets()
    }
  }), [bucket, prefix, listing.reload])

  // Stacked, the preview opens under the whole list, out of sight: take the reader (focus and
  // view) to its heading, and back to the file's link when it closes. Side by side, focus stays.
  const pane = useRef<HTMLDivElement>(null)
  const shown = useRef(selected)
  useEffect(() => {
    const was = shown.current
    shown.current = selected
    if (!matchMedia(STACKED).matches) return
    if (selected) {
      document.getElementById('preview-h')?.focus({ preventScroll: true })
      pane.current?.scrollIntoView({ block: 'start' })
    } else if (was) {
      document.querySelector<HTMLElement>(`a[href="${CSS.escape(href('files', bucket, prefix, was))}"]`)?.focus()
    }
  }, [selected, bucket, prefix])

  const data = listing.data
  const objects = [...(data?.objects ?? []), ...(more?.objects ?? [])]
  const prefixes = [...(data?.prefixes ?? []), ...(more?.prefixes ?? [])]
  const thumbs = { ...(data?.thumbs ?? {}), ...(more?.thumbs ?? {}) }
  const cursor = more ? more.cursor : data?.nextCursor ?? null
  const crumbs = prefix.split('/').filter(Boolean)

  return (
    <>
      <PageHeader title="Files" />
      <div className="toolbar">
        <BucketPicker value={bucket} onChange={(b) => go(href('files', b))} />
      </div>
      <nav aria-label="Folder">
        <ol className="breadcrumbs">
          <li><a href={href('files', bucket)} aria-current={crumbs.length === 0 ? 'page' : undefined}>{bucket}</a></li>
          {crumbs.map((c, i) => {
            const p = crumbs.slice(0, i + 1).join('/') + '/'
            return <li key={p}><a href={href('files', bucket, p)} aria-current={i === crumbs.length - 1 ? 'page' : undefined}>{c}</a></li>
          })}
        </ol>
      </nav>
      {prefix ? <p className="small"><a href={href('shares', bucket, prefix)}>Share this folder…</a></p> : null}
      <FileDrop target={`${bucket}/${prefix}`} onFiles={(files) => enqueue(bucket, files.map((f) => ({ file: f.file, key: prefix + f.path })))} />
      <Notice kind="error">{error}</Notice>
      <LoadState loading={listing.loading} error={listing.error} hasData={!!data} />
      <div className={selected ? 'split split-files' : undefined}>
        <div>
          {data && objects.length === 0 && prefixes.length === 0 ? <p className="muted">This folder is empty.</p> : null}
          {data && (objects.length > 0 || prefixes.length > 0) ? (
            <div className="table-wrap">
              <table className="files">
                <caption className="offscreen">Files in {bucket}/{prefix}</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col" className="hide-narrow">Modified</th></tr></thead>
                <tbody>
                  {prefixes.map((p) => (
                    <tr key={p}>
                      <td><span className="file-name"><span className="icon" aria-hidden="true">dir</span><a href={href('files', bucket, p)}>{baseName(p)}/</a></span></td>
                      <td>—</td>
                      <td className="hide-narrow" />
                    </tr>
                  ))}
                  {objects.map((o) => (
                    <tr key={o.key} className={selected === o.key ? 'selected' : undefined}>
                      <td>
                        <span className="file-name">
                          {thumbs[o.key] ? <img className="thumb" src={thumbs[o.key]} alt="" loading="lazy" width={44} height={44} /> : <span className="icon" aria-hidden="true">{typeLabel(o.key, o.contentType)}</span>}
                          <a href={href('files', bucket, prefix, o.key)} aria-current={selected === o.key ? 'true' : undefined}>{baseName(o.key)}</a>
                        </span>
                      </td>
                      <td>{bytes(o.size)}</td>
                      <td className="hide-narrow">{dateTime(o.lastModified)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {cursor ? (
            <button type="button" className="btn" onClick={async () => {
              try {
                const page = await listPage(bucket, prefix, cursor)
                const t = await thumbnails(bucket, page.objects).catch(() => ({}))
                setMore((m) => ({ objects: [...(m?.objects ?? []), ...page.objects], prefixes: [...(m?.prefixes ?? []), ...page.prefixes], thumbs: { ...(m?.thumbs ?? {}), ...t }, cursor: page.nextCursor }))
              } catch (e) { setError(messageOf(e)) }
            }}>More files</button>
          ) : null}
        </div>
        {selected ? (
          <div ref={pane} className="preview-pane">
            <p><a href={href('files', bucket, prefix)}>Close preview</a></p>
            <FilePreview bucket={bucket} fileKey={selected} onDelete={() => setDeleting(selected)} />
          </div>
        ) : null}
      </div>
      <Confirm
        open={deleting !== null}
        title="Delete this file?"
        action="Delete"
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          const key = deleting!
          const here = location.hash
          setDeleting(null)
          try {
            await call(client.api.buckets({ name: seg(bucket) }).object.delete({}, { query: { key } }))
            // Close the deleted file's preview, unless the user has gone elsewhere meanwhile.
            if (location.hash === here) go(href('files', bucket, prefix))
            setMore(null)
            void listing.reload()
            void refreshBuckets()
          } catch (e) { setError(messageOf(e)) }
        }}
      >
        <p><code>{deleting}</code> will be deleted. With Time Machine on, it stays restorable from its history.</p>
      </Confirm>
    </>
  )
}
