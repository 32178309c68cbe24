import { useEffect, useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { refreshBuckets } from '../lib/buckets'
import { useLoad } from '../lib/use-load'
import { bytes, dateTime } from '../lib/format'
import { go, href } from '../lib/router'
import { PageHeader } from '../components/PageHeader'
import { Check, Field } from '../components/Field'
import { LoadState, Notice } from '../components/Notice'
import { ConfirmTyped } from '../components/Dialog'
import { CorsEditor } from '../components/CorsEditor'
import { FormCard } from '../components/FormCard'

type BucketDetails = Data<ReturnType<typeof client.api.buckets>['get']>
type Patch = Parameters<ReturnType<typeof client.api.buckets>['patch']>[0]

/** One bucket: Time Machine, public read, retention, CORS rules, deletion. */
export function BucketSettings({ name }: { name: string }) {
  const bucket = useLoad(() => call(client.api.buckets({ name: seg(name) }).get()), [name])
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [deleting, setDeleting] = useState(false)
  const [force, setForce] = useState(false)

  const save = async (patch: Patch, what: string) => {
    setError(null)
    setSaved(null)
    try {
      const b = await call(client.api.buckets({ name: seg(name) }).patch(patch))
      bucket.set(() => b)
      setSaved(`${what} saved.`)
      void refreshBuckets()
    } catch (e) {
      setError(messageOf(e))
    }
  }

  const b = bucket.data
  return (
    <>
      <PageHeader title={`Bucket ${name}`}>
        <a className="btn" href={href('files', name)}>Browse files</a>
        <a className="btn" href={href('time-machine', name)}>Time Machine</a>
      </PageHeader>
      <p><a href="#/buckets">← All buckets</a></p>
      <LoadState loading={bucket.loading} error={bucket.error} hasData={!!b} />
      <Notice kind="error">{error}</Notice>
      <Notice kind="ok">{saved}</Notice>
      {b ? (
        <>
          <section className="card" aria-labelledby="summary-h">
            <h2 id="summary-h">Summary</h2>
            <dl className="stats">
              <div><dt>Size</dt><dd>{bytes(b.usage.bytes)}</dd></div>
              <div><dt>Objects</dt><dd>{b.usage.objects.toLocaleString()}</dd></div>
              <div><dt>Region</dt><dd>{b.region}</dd></div>
              <div><dt>Created</dt><dd>{dateTime(b.createdAt)}</dd></div>
            </dl>
          </section>
          <section className="card" aria-labelledby="access-h">
            <h2 id="access-h">Versioning and access</h2>
            <Check
              label="Time Machine: keep every version of every file"
              hint={b.versioning === 'Suspended' ? 'Suspended: old versions are kept, new writes replace the current one.' : 'Overwritten and deleted files can be restored.'}
              checked={b.timeMachine}
              onChange={(v) => save({ versioning: v }, 'Time Machine')}
            />
            <Check
              label="Public read: anyone with a link can download objects"
              hint="Objects, image URLs and anonymous S3 GETs. Listing stays private."
              checked={b.publicRead}
              onChange={(v) => save({ publicRead: v }, 'Public read')}
            />
          </section>
          <Retention bucket={b} onSave={(r) => save({ retention: r }, 'Retention')} />
          <section className="card" aria-labelledby="cors-h">
            <h2 id="cors-h">CORS rules</h2>
            <p className="muted">Which other web sites may use this bucket from a browser. This dashboard needs no rule.</p>
            <CorsEditor rules={b.cors ?? []} onSave={(cors) => save({ cors }, 'CORS rules')} />
          </section>
          <section className="card danger-zone" aria-labelledby="delete-h">
            <h2 id="delete-h">Delete this bucket</h2>
            {b.isDefault ? <p className="muted">The default bucket cannot be deleted.</p> : (
              <>
                <Check label="Also delete every object and version in it" checked={force} onChange={setForce} hint="Without this, only an empty bucket can be deleted." />
                <button type="button" className="btn btn-danger" onClick={() => setDeleting(true)}>Delete bucket…</button>
              </>
            )}
          </section>
          <ConfirmTyped
            open={deleting}
            title={`Delete bucket ${name}?`}
            name={name}
            action="Delete bucket"
            onCancel={() => setDeleting(false)}
            onConfirm={async () => {
              try {
                await call(client.api.buckets({ name: seg(name) }).delete({}, { query: force ? { force: 'true' } : {} }))
                await refreshBuckets()
                go('#/buckets')
              } catch (e) {
                setError(messageOf(e))
                setDeleting(false)
              }
            }}
          >
            <p>{force ? `Everything in ${name} (${b.usage.objects} objects, ${bytes(b.usage.bytes)}) is deleted for good, including its history.` : 'The bucket must be empty.'}</p>
          </ConfirmTyped>
        </>
      ) : null}
    </>
  )
}

function Retention({ bucket, onSave }: { bucket: BucketDetails; onSave: (r: { maxVersions: number | null; maxAgeDays: number | null }) => Promise<void> }) {
  const [versions, setVersions] = useState(bucket.retention.maxVersions?.toString() ?? '')
  const [days, setDays] = useState(bucket.retention.maxAgeDays?.toString() ?? '')
  useEffect(() => {
    setVersions(bucket.retention.maxVersions?.toString() ?? '')
    setDays(bucket.retention.maxAgeDays?.toString() ?? '')
  }, [bucket.retention.maxVersions, bucket.retention.maxAgeDays])
  const num = (s: string) => (s.trim() === '' ? null : Number(s))
  return (
    <FormCard id="retention-h" title="Time Machine retention" onSubmit={(e) => { e.preventDefault(); void onSave({ maxVersions: num(versions), maxAgeDays: num(days) }) }}>
      <p className="muted">Older versions beyond these limits are removed. Empty: the appliance default.</p>
      <div className="row">
        <Field label="Versions kept per file">{(id) => <input id={id} type="number" min={1} max={100000} inputMode="numeric" placeholder="default" value={versions} onChange={(e) => setVersions(e.target.value)} />}</Field>
        <Field label="Days old versions are kept">{(id) => <input id={id} type="number" min={0} max={36500} inputMode="numeric" placeholder="default" value={days} onChange={(e) => setDays(e.target.value)} />}</Field>
      </div>
      <div className="actions"><button type="submit" className="btn">Save retention</button></div>
    </FormCard>
  )
}
