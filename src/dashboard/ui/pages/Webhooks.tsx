import { useState } from 'react'
import type { EventType } from '../../../events/catalog'
import { call, client, messageOf, seg, type Data } from '../api'
import { useLoad } from '../lib/use-load'
import { dateTime, relative } from '../lib/format'
import { PageHeader } from '../components/PageHeader'
import { Field } from '../components/Field'
import { LoadState, Notice } from '../components/Notice'
import { ConfirmTyped } from '../components/Dialog'
import { CopyField } from '../components/CopyButton'

type Webhook = Data<typeof client.api.webhooks.get>['webhooks'][number]
type Created = Data<typeof client.api.webhooks.post>

const EVENTS = [
  'object.created', 'object.updated', 'object.deleted', 'bucket.created', 'bucket.deleted', 'quota.warning', 'quota.exceeded',
  'key.created', 'key.revoked', 'share.created', 'share.downloaded', 'account.created', 'account.deleted',
] as const satisfies readonly EventType[]
// Compile-time check that the list names every event the appliance emits.
const everyEvent: [Exclude<EventType, (typeof EVENTS)[number]>] extends [never] ? true : never = true
void everyEvent

export function Webhooks() {
  const hooks = useLoad(() => call(client.api.webhooks.get()).then((r) => r.webhooks), [])
  const [error, setError] = useState<string | null>(null)
  const [created, setCreated] = useState<Created | null>(null)
  const [deleting, setDeleting] = useState<Webhook | null>(null)
  const [open, setOpen] = useState<string | null>(null)

  const toggle = async (w: Webhook) => {
    setError(null)
    try {
      const u = await call(client.api.webhooks.patch({ id: w.id, active: !w.active }))
      hooks.set((l) => l.map((x) => (x.id === w.id ? u : x)))
    } catch (e) {
      setError(messageOf(e))
    }
  }

  return (
    <>
      <PageHeader title="Webhooks" />
      <p className="muted">Signed POSTs to your URL when something happens. After 10 failed events in a row a webhook is disabled; enable it here again.</p>
      <Notice kind="error">{error}</Notice>
      {created ? (
        <section className="card" aria-labelledby="wh-created-h">
          <h2 id="wh-created-h">Webhook created</h2>
          <p>Verify deliveries with this signing secret. It is shown only once.</p>
          <CopyField label="Signing secret" value={created.secret} secret />
          <div className="actions"><button type="button" className="btn" onClick={() => setCreated(null)}>Done</button></div>
        </section>
      ) : (
        <NewWebhook onCreated={(w) => { setCreated(w); void hooks.reload() }} />
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
            {w.disabledReason ? <Notice kind="warn">{w.disabledReason}</Notice> : null}
            {w.consecutiveFailures > 0 ? <p className="small">{w.consecutiveFailures} failed events in a row.</p> : null}
            <p className="muted small">Created {dateTime(w.createdAt)}</p>
            <div className="actions">
              <button type="button" className="btn btn-small" onClick={() => void toggle(w)}>{w.active ? 'Disable' : 'Enable'}</button>
              <button type="button" className="btn btn-small" aria-expanded={open === w.id} onClick={() => setOpen(open === w.id ? null : w.id)}>Deliveries</button>
              <button type="button" className="btn btn-small btn-danger" onClick={() => setDeleting(w)}>Delete</button>
            </div>
            {open === w.id ? <Deliveries webhook={w} /> : null}
          </li>
        ))}
      </ul>
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
  const [url, setUrl] = useState('')
  const [events, setEvents] = useState<string[]>(['object.created', 'object.updated', 'object.deleted'])
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  return (
    <form
      className="card form"
      aria-labelledby="new-wh-h"
      onSubmit={async (e) => {
        e.preventDefault()
        if (events.length === 0) { setError('Choose at least one event.'); return }
        setBusy(true)
        setError(null)
        try {
          onCreated(await call(client.api.webhooks.post({ url, events })))
          setUrl('')
        } catch (err) {
          setError(messageOf(err))
        } finally {
          setBusy(false)
        }
      }}
    >
      <h2 id="new-wh-h">New webhook</h2>
      <Notice kind="error">{error}</Notice>
      <Field label="URL" hint="http(s) endpoint that receives the events.">{(id, hint) => <input id={id} aria-describedby={hint} type="url" required placeholder="https://example.com/hooks/storage" value={url} onChange={(e) => setUrl(e.target.value)} />}</Field>
      <fieldset className="events">
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label key={ev} className="inline-check">
            <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} /> {ev}
          </label>
        ))}
      </fieldset>
      <div className="actions"><button type="submit" className="btn btn-primary" disabled={busy}>Create webhook</button></div>
    </form>
  )
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const list = useLoad(() => call(client.api.webhooks({ id: seg(webhook.id) }).deliveries.get()).then((r) => r.deliveries), [webhook.id])
  return (
    <div className="deliveries">
      <LoadState loading={list.loading} error={list.error} hasData={!!list.data} />
      {list.data?.length === 0 ? <p className="muted">No deliveries yet.</p> : null}
      {list.data && list.data.length > 0 ? (
        <div className="table-wrap">
          <table className="stack">
            <caption className="offscreen">Recent deliveries to {webhook.url}</caption>
            <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Answer</th><th scope="col">When</th></tr></thead>
            <tbody>
              {list.data.map((d) => (
                <tr key={d.id}>
                  <td data-label="Event">#{d.eventId}</td>
                  <td data-label="Status"><span className={`badge ${d.status === 'delivered' ? 'badge-ok' : d.status === 'failed' ? 'badge-warn' : ''}`}>{d.status}</span></td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Answer">{d.lastStatus ?? '—'}{d.lastError ? <div className="small">{d.lastError}</div> : null}</td>
                  <td data-label="When" title={dateTime(d.createdAt)}>{relative(d.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <button type="button" className="btn btn-small" onClick={() => void list.reload()}>Refresh deliveries</button>
    </div>
  )
}
