import { useState } from 'react'
import type { EventType } from '../../../events/catalog'
import { call, client, messageOf, seg, type Data } from '../api'
import { useLoad } from '../lib/use-load'
import { useBuckets } from '../lib/buckets'
import { dateTime, relative } from '../lib/format'
import { PageHeader } from '../components/PageHeader'
import { Field } from '../components/Field'
import { LoadState, Notice } from '../components/Notice'
import { Confirm, ConfirmTyped, Dialog } from '../components/Dialog'
import { CopyField } from '../components/CopyButton'
import { DataTable } from '../components/DataTable'
import { FormCard } from '../components/FormCard'
import { SmallButton } from '../components/SmallButton'
import { useForm } from '../lib/use-form'

type Webhook = Data<typeof client.api.webhooks.get>['webhooks'][number]
type Created = Data<typeof client.api.webhooks.post>
type Delivery = Data<ReturnType<typeof client.api.webhooks>['deliveries']['get']>['deliveries'][number]

const EVENTS = [
  'object.created', 'object.updated', 'object.deleted', 'bucket.created', 'bucket.deleted', 'quota.warning', 'quota.exceeded',
  'key.created', 'key.revoked', 'share.created', 'share.downloaded', 'account.created', 'account.deleted',
] as const satisfies readonly EventType[]
// Compile-time check that the list names every event the appliance emits.
const everyEvent: [Exclude<EventType, (typeof EVENTS)[number]>] extends [never] ? true : never = true
void everyEvent

/** Webhooks: create (secret shown once), filters, enable/disable, test, the delivery log with redelivery, secret rotation. */
export function Webhooks() {
  const hooks = useLoad(() => call(client.api.webhooks.get()).then((r) => r.webhooks), [])
  const [error, setError] = useState<string | null>(null)
  const [secret, setSecret] = useState<{ title: string; value: string; note: string } | null>(null)
  const [deleting, setDeleting] = useState<Webhook | null>(null)
  const [rotating, setRotating] = useState<Webhook | null>(null)
  const [open, setOpen] = useState<string | null>(null)

  const replace = (u: Webhook) => hooks.set((l) => l.map((x) => (x.id === u.id ? u : x)))
  const toggle = async (w: Webhook) => {
    setError(null)
    try { replace(await call(client.api.webhooks.patch({ id: w.id, active: !w.active }))) } catch (e) { setError(messageOf(e)) }
  }

  return (
    <>
      <PageHeader title="Webhooks" />
      <p className="muted">Signed POSTs to your URL when something happens. After 10 failed events in a row a webhook is disabled; enable it here again.</p>
      <Notice kind="error">{error}</Notice>
      {secret ? (
        <section className="card" aria-labelledby="wh-secret-h">
          <h2 id="wh-secret-h">{secret.title}</h2>
          <p>{secret.note}</p>
          <CopyField label="Signing secret" value={secret.value} secret />
          <div className="actions"><button type="button" className="btn" onClick={() => setSecret(null)}>Done</button></div>
        </section>
      ) : (
        <NewWebhook onCreated={(w: Created) => {
          setSecret({ title: 'Webhook created', value: w.secret, note: 'Verify deliveries with this signing secret. It is shown only once.' })
          void hooks.reload()
        }} />
      )}
      <LoadState loading={hooks.loading} error={hooks.error} hasData={!!hooks.data} />
      {hooks.data?.length === 0 ? <p className="muted">No webhooks yet.</p> : null}
      <ul className="cards">
        {hooks.data?.map((w) => (
          <li key={w.id} className="card">
            <div className="card-head">
              <h2 className="url">{w.url}</h2>
              <span className={`badge ${w.active ? 'badge-ok' : 'badge-warn'}`}>{w.active ? 'active' : 'disabled'}</span>
            </div>
            <p className="small">{w.events.join(', ')}</p>
            {w.bucket || w.prefix ? <p className="small">Only {w.bucket ? <>bucket <code>{w.bucket}</code></> : 'any bucket'}{w.prefix ? <>, keys starting with <code>{w.prefix}</code></> : null}</p> : null}
            {w.disabledReason ? <Notice kind="warn">{w.disabledReason}</Notice> : null}
            {w.consecutiveFailures > 0 ? <p className="small">{w.consecutiveFailures} failed events in a row.</p> : null}
            {w.previousSecretExpiresAt ? <p className="small muted">The previous secret also signs until {dateTime(w.previousSecretExpiresAt)}.</p> : null}
            <p className="muted small">Created {dateTime(w.createdAt)}</p>
            <div className="actions">
              <button type="button" className="btn btn-small" onClick={() => void toggle(w)}>{w.active ? 'Disable' : 'Enable'}</button>
              <button type="button" className="btn btn-small" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? null : w.id)}>Deliveries</button>
              <button type="button" className="btn btn-small" onClick={() => setRotating(w)}>Rotate secret…</button>
              <button type="button" className="btn btn-small btn-danger" onClick={() => setDeleting(w)}>Delete</button>
            </div>
            {open === w.id ? <Deliveries webhook={w} /> : null}
          </li>
        ))}
      </ul>
      <Confirm
        open={rotating !== null}
        title="Rotate the signing secret?"
        action="Rotate"
        danger={false}
        onCancel={() => setRotating(null)}
        onConfirm={async () => {
          const w = rotating!
          setRotating(null)
          try {
            const r = await call(client.api.webhooks({ id: seg(w.id) })['rotate-secret'].post())
            setSecret({ title: 'New signing secret', value: r.secret, note: `Shown only once. The previous secret also signs until ${dateTime(r.previousSecretExpiresAt)}.` })
            void hooks.reload()
          } catch (e) { setError(messageOf(e)) }
        }}
      >
        <p>A new secret signs from now on; the current one keeps signing for 24 hours beside it, so receivers can switch without missing a delivery.</p>
      </Confirm>
      <ConfirmTyped
        open={deleting !== null}
        title="Delete this webhook?"
        name={deleting?.url ?? ''}
        action="Delete webhook"
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          const w = deleting!
          try {
            await call(client.api.webhooks.delete({}, { query: { id: w.id } }))
            hooks.set((l) => l.filter((x) => x.id !== w.id))
          } catch (e) {
            setError(messageOf(e))
          }
          setDeleting(null)
        }}
      />
    </>
  )
}

function NewWebhook({ onCreated }: { onCreated: (w: Created) => void }) {
  const { buckets } = useBuckets()
  const [url, setUrl] = useState('')
  const [events, setEvents] = useState<string[]>(['object.created', 'object.updated', 'object.deleted'])
  const [bucket, setBucket] = useState('')
  const [prefix, setPrefix] = useState('')
  const { busy, error, submit } = useForm()
  return (
    <FormCard
      id="new-wh-h"
      title="New webhook"
      error={error}
      onSubmit={submit(async () => {
        if (events.length === 0) throw new Error('Choose at least one event.')
        onCreated(await call(client.api.webhooks.post({ url, events, ...(bucket ? { bucket } : {}), ...(prefix ? { prefix } : {}) })))
        setUrl('')
      })}
    >
      <Field label="URL" hint="http(s) endpoint that receives the events.">{(id, hint) => <input id={id} aria-describedby={hint} type="url" required placeholder="https://example.com/hooks/storage" value={url} onChange={(e) => setUrl(e.target.value)} />}</Field>
      <fieldset className="events">
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label key={ev} className="inline-check">
            <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} /> {ev}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <Field label="Only this bucket">
          {(id) => (
            <select id={id} value={bucket} onChange={(e) => setBucket(e.target.value)}>
              <option value="">Any bucket</option>
              {buckets?.map((b) => <option key={b.name} value={b.name}>{b.name}</option>)}
            </select>
          )}
        </Field>
        <Field label="Only keys starting with" hint="Empty: every key.">{(id, hint) => <input id={id} aria-describedby={hint} value={prefix} onChange={(e) => setPrefix(e.target.value)} spellCheck={false} />}</Field>
      </div>
      <div className="actions"><button type="submit" className="btn btn-primary" disabled={busy}>Create webhook</button></div>
    </FormCard>
  )
}

/** The delivery log: what was sent and what came back; send a test, redeliver an event. */
function Deliveries({ webhook }: { webhook: Webhook }) {
  const list = useLoad(() => call(client.api.webhooks({ id: seg(webhook.id) }).deliveries.get()).then((r) => r.deliveries), [webhook.id])
  const [error, setError] = useState<string | null>(null)
  const [result, setResult] = useState<string | null>(null)
  const [shown, setShown] = useState<Delivery | null>(null)
  const outcome = (d: Delivery) => `${d.event}: ${d.status}${d.responseStatus !== null ? `, HTTP ${d.responseStatus}` : ''}${d.latencyMs !== null ? ` in ${d.latencyMs} ms` : ''}${d.error ? ` (${d.error})` : ''}`
  const run = async (p: Promise<Delivery>) => {
    setError(null)
    setResult(null)
    try {
      const d = await p
      setResult(outcome(d))
      list.set((l) => [d, ...l.filter((x) => x.id !== d.id)])
    } catch (e) { setError(messageOf(e)) }
  }
  const hook = client.api.webhooks({ id: seg(webhook.id) })
  return (
    <div className="deliveries">
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={() => void run(call(hook.test.post()))}>Send a test event</button>
        <button type="button" className="btn btn-small" onClick={() => void list.reload()}>Refresh</button>
      </div>
      <Notice kind="error">{error}</Notice>
      <Notice kind="info">{result}</Notice>
      <LoadState loading={list.loading} error={list.error} hasData={!!list.data} />
      {list.data ? (
        <DataTable caption={`Recent deliveries to ${webhook.url}`} columns={['Event', 'Status', 'Answer', 'When']} actions rows={list.data} empty="No deliveries yet." row={(d) => (
          <tr key={d.id}>
            <td data-label="Event">{d.event}{d.kind !== 'event' ? <span className="badge">{d.kind}</span> : null}</td>
            <td data-label="Status"><span className={`badge ${d.status === 'delivered' ? 'badge-ok' : d.status === 'failed' ? 'badge-warn' : ''}`}>{d.status}</span> <span className="small">{d.attempts} {d.attempts === 1 ? 'attempt' : 'attempts'}</span></td>
            <td data-label="Answer">{d.responseStatus ?? '—'}{d.latencyMs !== null ? <span className="small muted"> · {d.latencyMs} ms</span> : null}{d.error ? <div className="small">{d.error}</div> : null}</td>
            <td data-label="When" title={dateTime(d.createdAt)}>{relative(d.createdAt)}</td>
            <td className="row-actions">
              <SmallButton what={`of delivery ${d.id}`} onClick={() => setShown(d)}>Details</SmallButton>
              <SmallButton what={`delivery ${d.id}`} onClick={() => void run(call(hook.deliveries({ deliveryId: String(d.id) }).redeliver.post()))}>Redeliver</SmallButton>
            </td>
          </tr>
        )} />
      ) : null}
      <Dialog title={shown ? `Delivery ${shown.id}: ${shown.event}` : 'Delivery'} open={shown !== null} onClose={() => setShown(null)}>
        {shown ? (
          <>
            <p className="small">{outcome(shown)} · message <code>{shown.messageId}</code></p>
            <h3>Request headers</h3>
            <pre tabIndex={0}>{shown.requestHeaders ? Object.entries(shown.requestHeaders).map(([k, v]) => `${k}: ${v}`).join('\n') : '—'}</pre>
            <h3>Response (first 4 KiB)</h3>
            <pre tabIndex={0}>{shown.responseBody ?? '—'}</pre>
            <div className="actions"><button type="button" className="btn" onClick={() => setShown(null)}>Close</button></div>
          </>
        ) : null}
      </Dialog>
    </div>
  )
}
