import { useState } from 'react'
import { call, client } from '../api'
import { useMe } from '../session'
import { refreshBuckets, useBuckets } from '../lib/buckets'
import { bytes, dateTime } from '../lib/format'
import { href } from '../lib/router'
import { PageHeader } from '../components/PageHeader'
import { Check, Field } from '../components/Field'
import { LoadState } from '../components/Notice'
import { FormCard } from '../components/FormCard'
import { DataTable } from '../components/DataTable'
import { useForm } from '../lib/use-form'

export function Buckets() {
  const me = useMe()
  const { buckets, loading, error } = useBuckets()
  const [name, setName] = useState('')
  const [timeMachine, setTimeMachine] = useState(true)
  const [publicRead, setPublicRead] = useState(false)
  const form = useForm()
  const full = (buckets?.length ?? 0) >= me.limits.maxBuckets

  return (
    <>
      <PageHeader title="Buckets" />
      <FormCard
        id="new-bucket-h"
        title="New bucket"
        error={form.error}
        ok={form.ok}
        onSubmit={form.submit(async () => {
          const b = await call(client.api.buckets.post({ name }))
          // Settings other than the appliance's defaults are a second call (the create takes a name only).
          if (b.timeMachine !== timeMachine || b.publicRead !== publicRead) await call(client.api.buckets({ name: b.name }).patch({ versioning: timeMachine, publicRead }))
          form.setOk(`Bucket ${b.name} created.`)
          setName('')
          await refreshBuckets()
        })}
      >
        <Field label="Name" hint="3–63 characters: lower-case letters, digits, hyphens and dots. Names are unique on the appliance.">
          {(id, hint) => <input id={id} aria-describedby={hint} required minLength={3} maxLength={63} pattern="[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]" value={name} onChange={(e) => setName(e.target.value.toLowerCase())} autoComplete="off" spellCheck={false} />}
        </Field>
        <Check label="Time Machine (keep every version)" checked={timeMachine} onChange={setTimeMachine} />
        <Check label="Public read (anyone can download objects)" checked={publicRead} onChange={setPublicRead} />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={form.busy || full}>Create bucket</button>
          {full ? <small className="hint">Your plan allows {me.limits.maxBuckets} buckets.</small> : null}
        </div>
      </FormCard>
      <LoadState loading={loading} error={error} hasData={!!buckets} />
      {buckets ? (
        <DataTable caption="Your buckets" columns={['Name', 'Size', 'On disk', 'Objects', 'Time Machine', 'Access', 'Created']} rows={buckets} row={(b) => (
          <tr key={b.name}>
            <td data-label="Name">
              <a href={href('buckets', b.name)}>{b.name}</a>
              {b.isDefault ? <span className="badge">default</span> : null}
              <div className="row-links"><a href={href('files', b.name)}>Files<span className="offscreen"> in {b.name}</span></a></div>
            </td>
            <td data-label="Size">{bytes(b.usage.bytes)}</td>
            <td data-label="On disk">{bytes(b.usage.storedBytes)}</td>
            <td data-label="Objects">{b.usage.objects.toLocaleString()}</td>
            <td data-label="Time Machine">{b.timeMachine ? 'On' : b.versioning === 'Suspended' ? 'Suspended' : 'Off'}</td>
            <td data-label="Access">{b.publicRead ? <span className="badge badge-warn">public</span> : 'private'}</td>
            <td data-label="Created">{dateTime(b.createdAt)}</td>
          </tr>
        )} />
      ) : null}
    </>
  )
}
