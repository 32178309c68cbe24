import { useEffect, useState } from 'react'
import { call, client, messageOf, type Data } from '../api'
import { useMe, useSession } from '../session'
import { useLoad } from '../lib/use-load'
import { dateTime, relative } from '../lib/format'
import { PageHeader } from '../components/PageHeader'
import { Field } from '../components/Field'
import { LoadState, Notice } from '../components/Notice'
import { ConfirmTyped } from '../components/Dialog'
import { DataTable } from '../components/DataTable'
import { SmallButton } from '../components/SmallButton'
import { NewKey } from '../components/NewKey'
import { Snippets } from '../components/Snippets'
import { useForm } from '../lib/use-form'
import { noteKeyCount } from '../lib/presign'

type Key = Data<typeof client.api.keys.get>['keys'][number]
type Created = Data<typeof client.api.keys.post>

export function Keys() {
  const me = useMe()
  const { config } = useSession()
  const keys = useLoad(() => call(client.api.keys.get()).then((r) => r.keys), [])
  const [name, setName] = useState('')
  const [created, setCreated] = useState<Created | null>(null)
  const { busy, error, setError, submit } = useForm()
  const [revoking, setRevoking] = useState<Key | null>(null)
  const list = keys.data ?? []
  const full = list.length >= me.limits.maxAccessKeys
  const last = list.length === 1
  // The layout warns on every page while the account has no key (presigned URLs need one).
  useEffect(() => { if (keys.data) noteKeyCount(keys.data.length) }, [keys.data])

  return (
    <>
      <PageHeader title="Access keys" />
      <p className="muted">Keys sign S3 requests (AWS CLI, SDKs, rclone) and REST API calls. Your plan allows {me.limits.maxAccessKeys}.</p>
      <Notice kind="error">{error}</Notice>
      {created ? (
        <section className="card" aria-labelledby="created-h">
          <h2 id="created-h">New key {created.name ? `“${created.name}”` : ''}</h2>
          <NewKey accessKey={created.accessKey} secretKey={created.secretKey} />
          <div className="actions"><button type="button" className="btn" onClick={() => setCreated(null)}>I have saved the secret</button></div>
        </section>
      ) : (
        <form
          className="card form inline-form"
          aria-label="Create an access key"
          onSubmit={submit(async () => {
            const k = await call(client.api.keys.post({ name }))
            setCreated(k)
            setName('')
            keys.set((l) => [...l, { id: k.id, accessKey: k.accessKey, name: k.name, createdAt: k.createdAt, lastUsedAt: null }])
          })}
        >
          <Field label="Name (optional)" hint="A label such as “laptop” or “backup job”.">
            {(id, hint) => <input id={id} aria-describedby={hint} maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <button type="submit" className="btn btn-primary" disabled={busy || full}>Create key</button>
          {full ? <small className="hint">You have as many keys as your plan allows: revoke one first.</small> : null}
        </form>
      )}
      <LoadState loading={keys.loading} error={keys.error} hasData={!!keys.data} />
      {keys.data ? (
        <DataTable caption="Your access keys" columns={['Name', 'Access key', 'Created', 'Last used']} actions rows={list} row={(k) => (
          <tr key={k.id}>
            <td data-label="Name">{k.name || <span className="muted">—</span>}</td>
            <td data-label="Access key"><code>{k.accessKey}</code></td>
            <td data-label="Created">{dateTime(k.createdAt)}</td>
            <td data-label="Last used" title={k.lastUsedAt ? dateTime(k.lastUsedAt) : undefined}>{relative(k.lastUsedAt)}</td>
            <td className="row-actions"><SmallButton variant="danger" what={k.accessKey} onClick={() => setRevoking(k)}>Revoke</SmallButton></td>
          </tr>
        )} />
      ) : null}
      {config && list[0] && !created ? (
        <section className="card" aria-labelledby="setup-h">
          <h2 id="setup-h">Client setup</h2>
          <p className="muted">With your access key <code>{list[0].accessKey}</code> and its secret:</p>
          <Snippets accessKey={list[0].accessKey} secretKey={null} s3Url={config.s3Url} region={config.region} />
        </section>
      ) : null}
      <ConfirmTyped
        open={revoking !== null}
        title="Revoke this access key?"
        name={revoking?.accessKey ?? ''}
        action="Revoke key"
        onCancel={() => setRevoking(null)}
        onConfirm={async () => {
          const k = revoking!
          try {
            await call(client.api.keys.delete({}, { query: { id: k.accessKey } }))
            keys.set((l) => l.filter((x) => x.id !== k.id))
          } catch (err) {
            setError(messageOf(err))
          }
          setRevoking(null)
        }}
      >
        <p>Every client using <code>{revoking?.accessKey}</code> stops working at once. This cannot be undone.</p>
        {last ? <Notice kind="warn">This is your last access key. The dashboard signs its uploads, file previews and presigned links with one of your keys: they stop working until you create another.</Notice> : null}
      </ConfirmTyped>
    </>
  )
}
