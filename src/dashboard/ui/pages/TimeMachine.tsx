import { useEffect, useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { useMe } from '../session'
import { useLoad } from '../lib/use-load'
import { baseName, bytes, dateTime, kindOf, relative, type FileKind } from '../lib/format'
import { usePages } from '../lib/use-pages'
import { go, href } from '../lib/router'
import { PageHeader } from '../components/PageHeader'
import { BucketPicker } from '../components/BucketPicker'
import { LoadState, Notice } from '../components/Notice'
import { Diff } from '../components/Diff'
import { Confirm } from '../components/Dialog'
import { SmallButton } from '../components/SmallButton'
import { ContentView, checked, type Content } from '../components/ContentView'

type Version = Extract<Data<typeof client.api.versions.get>, { versions: unknown }>['versions'][number]
type Comparison = Data<typeof client.api.versions.compare.get>

const versionsPage = (bucket: string, cursor?: string) =>
  call(client.api.versions.get({ query: { bucket, limit: 100, ...(cursor ? { cursor } : {}) } })).then((r) => {
    if (!('files' in r)) throw new Error('unexpected answer')
    return r
  })

/** Files with history, a file's versions on a timeline (preview, diff, restore), deleted files (undelete). */
export function TimeMachine({ bucket: routeBucket, fileKey }: { bucket?: string; fileKey?: string }) {
  const me = useMe()
  const bucket = routeBucket || me.account.defaultBucket || ''
  return (
    <>
      <PageHeader title="Time Machine" />
      <div className="toolbar">
        <BucketPicker value={bucket} onChange={(b) => go(href('time-machine', b))} />
      </div>
      {bucket ? (fileKey ? <FileHistory bucket={bucket} fileKey={fileKey} /> : <Files bucket={bucket} />) : <p className="muted">Choose a bucket.</p>}
    </>
  )
}

const deletedPage = (bucket: string, cursor?: string) =>
  call(client.api.versions.deleted.get({ query: { bucket, limit: 100, ...(cursor ? { cursor } : {}) } }))

function Files({ bucket }: { bucket: string }) {
  const files = usePages((cursor) => versionsPage(bucket, cursor).then((r) => ({ items: r.files, nextCursor: r.nextCursor })), [bucket])
  const deleted = usePages((cursor) => deletedPage(bucket, cursor).then((r) => ({ items: r.files, nextCursor: r.nextCursor })), [bucket])
  const [error, setError] = useState<string | null>(null)
  const [ok, setOk] = useState<string | null>(null)
  const more = (list: { more(): Promise<void> }) => async () => {
    setError(null)
    try { await list.more() } catch (e) { setError(messageOf(e)) }
  }
  return (
    <>
      <Notice kind="error">{error}</Notice>
      <Notice kind="ok">{ok}</Notice>
      <section className="card" aria-labelledby="tm-files-h">
        <h2 id="tm-files-h">Files with history</h2>
        <LoadState loading={files.loading} error={files.error} hasData={files.loaded} />
        {files.loaded && files.items.length === 0 ? <p className="muted">No file in {bucket} has more than one version yet. Overwrite a file with Time Machine on and its old content appears here.</p> : null}
        <ul className="list">
          {files.items.filter((f) => !f.deleted).map((f) => (
            <li key={f.id}>
              <a href={href('time-machine', bucket, f.key)}>{f.key}</a>
              <span className="muted small"> {f.versions} versions · changed {relative(f.updatedAt)}</span>
            </li>
          ))}
        </ul>
        {files.cursor ? <button type="button" className="btn" onClick={more(files)}>More files</button> : null}
      </section>
      <section className="card" aria-labelledby="tm-deleted-h">
        <h2 id="tm-deleted-h">Deleted files</h2>
        <LoadState loading={deleted.loading} error={deleted.error} hasData={deleted.loaded} />
        {deleted.loaded && deleted.items.length === 0 ? <p className="muted">No deleted files with kept versions.</p> : null}
        <ul className="list">
          {deleted.items.map((f) => (
            <li key={f.id}>
              <a href={href('time-machine', bucket, f.key)}>{f.key}</a>
              <span className="muted small"> deleted {relative(f.deletedAt)} · {f.versions} versions kept </span>
              <SmallButton what={f.key} onClick={async () => {
                setError(null); setOk(null)
                try {
                  const r = await call(client.api.versions.undelete.post({ bucket, key: f.key }))
                  setOk(`${f.key} is back (version ${r.versionNumber}).`)
                  void deleted.reload()
                  void files.reload()
                } catch (e) { setError(messageOf(e)) }
              }}>Undelete</SmallButton>
            </li>
          ))}
        </ul>
        {deleted.cursor ? <button type="button" className="btn" onClick={more(deleted)}>More deleted files</button> : null}
      </section>
    </>
  )
}

function FileHistory({ bucket, fileKey }: { bucket: string; fileKey: string }) {
  const history = useLoad(() => call(client.api.versions.get({ query: { bucket, key: fileKey } })).then((r) => {
    if (!('versions' in r)) throw new Error('unexpected answer')
    return r.versions
  }), [bucket, fileKey])
  const [selected, setSelected] = useState<Version | null>(null)
  const [deleting, setDeleting] = useState<Version | null>(null)
  const [comparison, setComparison] = useState<Comparison | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [ok, setOk] = useState<string | null>(null)
  const versions = history.data ?? []
  const current = versions.find((v) => v.isCurrent) ?? null
  useEffect(() => { setSelected(null); setComparison(null) }, [bucket, fileKey])

  const compare = async (from: Version, to: Version) => {
    setError(null)
    try {
      setComparison(await call(client.api.versions.compare.get({ query: { from: from.versionId, to: to.versionId } })))
    } catch (e) { setError(messageOf(e)) }
  }
  const restore = async (v: Version) => {
    setError(null); setOk(null)
    try {
      const r = await call(client.api.versions.patch({ versionId: v.versionId }))
      setOk(`Version ${v.versionNumber} restored as version ${r.newVersionNumber}.`)
      setComparison(null)
      await history.reload()
    } catch (e) { setError(messageOf(e)) }
  }
  const remove = async (v: Version) => {
    setError(null); setOk(null)
    try {
      await call(client.api.versions({ versionId: seg(v.versionId) }).delete())
      setOk(`Version ${v.versionNumber} deleted for good.`)
      if (selected?.versionId === v.versionId) setSelected(null)
      history.set((l) => l.filter((x) => x.versionId !== v.versionId))
    } catch (e) { setError(messageOf(e)) }
  }

  return (
    <>
      <p><a href={href('time-machine', bucket)}>← All files in {bucket}</a></p>
      <h2 className="file-title">{fileKey}</h2>
      <Notice kind="error">{error}</Notice>
      <Notice kind="ok">{ok}</Notice>
      <LoadState loading={history.loading} error={history.error} hasData={!!history.data} />
      <div className="split">
        <section className="card" aria-labelledby="timeline-h">
          <h3 id="timeline-h">Versions</h3>
          <ol className="timeline">
            {versions.map((v, i) => (
              <li key={v.versionId} className={selected?.versionId === v.versionId ? 'selected' : undefined}>
                <div className="timeline-head">
                  <strong>Version {v.versionNumber}</strong>
                  {v.isCurrent ? <span className="badge badge-ok">current</span> : null}
                </div>
                <div className="small muted">{dateTime(v.createdAt)} · {bytes(v.size)}</div>
                <div className="actions">
                  <SmallButton what={`version ${v.versionNumber}`} aria-pressed={selected?.versionId === v.versionId} onClick={() => setSelected(v)}>Preview</SmallButton>
                  {!v.isCurrent && current ? <SmallButton what={`(version ${v.versionNumber})`} onClick={() => void compare(v, current)}>Compare with current</SmallButton> : null}
                  {v.isCurrent && versions[i + 1] ? <SmallButton onClick={() => void compare(versions[i + 1], v)}>Compare with previous</SmallButton> : null}
                  {!v.isCurrent ? <SmallButton variant="primary" what={`version ${v.versionNumber}`} onClick={() => void restore(v)}>Restore</SmallButton> : null}
                  {!v.isCurrent ? <SmallButton variant="danger" what={`version ${v.versionNumber}`} onClick={() => setDeleting(v)}>Delete…</SmallButton> : null}
                </div>
              </li>
            ))}
          </ol>
        </section>
        <div>
          {comparison ? <ComparisonView c={comparison} /> : null}
          {selected ? <VersionPreview fileKey={fileKey} version={selected} /> : null}
          {!comparison && !selected ? <p className="muted">Preview a version or compare it with the current one.</p> : null}
        </div>
      </div>
      <Confirm
        open={deleting !== null}
        title={`Delete version ${deleting?.versionNumber ?? ''} for good?`}
        action="Delete for good"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const v = deleting!
          setDeleting(null)
          void remove(v)
        }}
      >
        {deleting ? <p>Version {deleting.versionNumber} of <code>{fileKey}</code> ({bytes(deleting.size)}, {dateTime(deleting.createdAt)}) will be removed from the history. It cannot be restored afterwards.</p> : null}
      </Confirm>
    </>
  )
}

function ComparisonView({ c }: { c: Comparison }) {
  return (
    <section className="card" aria-labelledby="diff-h">
      <h3 id="diff-h">Version {c.from.versionNumber} → version {c.to.versionNumber}</h3>
      {c.identical ? <p>The two versions have the same content.</p> : null}
      {c.kind === 'diff' ? (
        <>
          <p className="small"><span className="diff-add-text">+{c.stats.added} added</span> · <span className="diff-del-text">−{c.stats.removed} removed</span> lines</p>
          <Diff text={c.diff} label={`Changes from version ${c.from.versionNumber} to ${c.to.versionNumber}`} />
        </>
      ) : (
        <>
          <p>{c.reason}</p>
          <dl className="stats">
            <div><dt>Size</dt><dd>{bytes(c.from.size)} → {bytes(c.to.size)}</dd></div>
            <div><dt>Type</dt><dd>{c.from.contentType} → {c.to.contentType}</dd></div>
          </dl>
        </>
      )}
    </section>
  )
}

/**
 * A version's content is fetched whole from /api/versions/{id} (one request of the budget):
 * Time Machine keeps old versions out of S3's sight unless the bucket has S3 versioning, so no
 * presigned GetObject with a versionId can reach them.
 */
const VERSION_PREVIEW_MAX = 64 * 1024 * 1024

async function loadVersion(v: Version, kind: FileKind): Promise<Content> {
  const r = checked(await fetch(`/api/versions/${encodeURIComponent(v.versionId)}`, { credentials: 'same-origin' }))
  if (kind === 'text') return { text: await r.text() }
  const blob = await r.blob()
  // A PDF stored as application/octet-stream would be downloaded instead of shown.
  const url = URL.createObjectURL(kind === 'pdf' ? new Blob([blob], { type: 'application/pdf' }) : blob)
  return { url, release: () => URL.revokeObjectURL(url) }
}

/** A version as the Files page shows a file (text, image, PDF, audio, video), and its download. */
function VersionPreview({ fileKey, version }: { fileKey: string; version: Version }) {
  const kind = kindOf(fileKey)
  const name = `version ${version.versionNumber} of ${fileKey}`
  return (
    <section className="card" aria-labelledby="vprev-h">
      <h3 id="vprev-h">Version {version.versionNumber} of {baseName(fileKey)}</h3>
      <ContentView kind={kind} name={name} size={version.size} source={version.versionId} load={() => loadVersion(version, kind)} maxBytes={VERSION_PREVIEW_MAX} />
      <p><a className="btn btn-small" href={`/api/versions/${encodeURIComponent(version.versionId)}`} download={baseName(fileKey)}>Download version {version.versionNumber}</a></p>
    </section>
  )
}
