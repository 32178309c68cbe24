import { useState } from 'react'
import { call, client, messageOf, seg, type Data } from '../api'
import { useMe } from '../session'
import { useLoad } from '../lib/use-load'
import { bytes, dateTime, percent } from '../lib/format'
import { PageHeader } from '../components/PageHeader'
import { Check, Field } from '../components/Field'
import { LoadState, Notice } from '../components/Notice'
import { Dialog } from '../components/Dialog'
import { FormCard } from '../components/FormCard'
import { DataTable } from '../components/DataTable'
import { SmallButton } from '../components/SmallButton'
import { CopyField } from '../components/CopyButton'
import { useForm } from '../lib/use-form'

type Account = Data<typeof client.api.admin.accounts.get>['accounts'][number]
type Created = Data<typeof client.api.admin.accounts.post>
type Plans = Data<typeof client.api.admin.plans.get>

/** Administrators: the appliance's totals and every account (create, suspend, plan, quota). */
export function Admin() {
  const me = useMe()
  const overview = useLoad(() => call(client.api.admin.overview.get()), [])
  const accounts = useLoad(() => call(client.api.admin.accounts.get()).then((r) => r.accounts), [])
  const plans = useLoad(() => call(client.api.admin.plans.get()), [])
  const [error, setError] = useState<string | null>(null)
  const [editing, setEditing] = useState<Account | null>(null)
  const [created, setCreated] = useState<Created | null>(null)

  const patch = async (a: Account, body: Parameters<ReturnType<typeof client.api.admin.accounts>['patch']>[0]) => {
    setError(null)
    try {
      const updated = await call(client.api.admin.accounts({ id: seg(a.id) }).patch(body))
      accounts.set((l) => l.map((x) => (x.id === a.id ? updated : x)))
      return true
    } catch (e) {
      setError(messageOf(e))
      return false
    }
  }

  const o = overview.data
  return (
    <>
      <PageHeader title="Administration" />
      <LoadState loading={overview.loading} error={overview.error} hasData={!!o} />
      {o ? (
        <section className="card" aria-labelledby="appliance-h">
          <h2 id="appliance-h">Appliance</h2>
          <dl className="stats">
            <div><dt>Version</dt><dd>{o.version}</dd></div>
            <div><dt>Accounts</dt><dd>{o.accounts}</dd></div>
            <div><dt>Buckets</dt><dd>{o.buckets}</dd></div>
            <div><dt>Objects</dt><dd>{o.storage.objects.toLocaleString()}</dd></div>
            <div><dt>Logical size</dt><dd>{bytes(o.storage.logicalBytes)}</dd></div>
            <div><dt>Stored size</dt><dd>{bytes(o.storage.storedBytes)}</dd></div>
            <div><dt>Uptime</dt><dd>{Math.round(o.uptimeSeconds / 3600)} h</dd></div>
          </dl>
        </section>
      ) : null}
      <Notice kind="error">{error}</Notice>
      {created ? (
        <section className="card" aria-labelledby="created-h">
          <h2 id="created-h">Account {created.account.email} created</h2>
          <p>Default bucket <strong>{created.bucket}</strong>. Hand over the first key pair now: the secret is shown only once.</p>
          <CopyField label="Access key" value={created.accessKey} />
          <CopyField label="Secret key" value={created.secretKey} secret />
          <div className="actions"><button type="button" className="btn" onClick={() => setCreated(null)}>Done</button></div>
        </section>
      ) : (
        <NewAccount plans={plans.data} onCreated={(c) => { setCreated(c); accounts.set((l) => [...l, c.account]) }} />
      )}
      <LoadState loading={accounts.loading} error={accounts.error} hasData={!!accounts.data} />
      {accounts.data ? (
        <DataTable caption="Accounts" columns={['Email', 'Status', 'Plan', 'Usage', 'Created']} actions rows={accounts.data} row={(a) => (
          <tr key={a.id}>
            <td data-label="Email">{a.email}{a.isAdmin ? <span className="badge">admin</span> : null}</td>
            <td data-label="Status">{a.status === 'active' ? 'active' : <span className="badge badge-warn">suspended</span>}</td>
            <td data-label="Plan">{a.plan}</td>
            <td data-label="Usage">{bytes(a.usage.bytes)} of {bytes(a.quotaBytes)} <span className="muted">({percent(a.usage.bytes, a.quotaBytes).toFixed(0)}%)</span></td>
            <td data-label="Created">{dateTime(a.createdAt)}</td>
            <td className="row-actions">
              <SmallButton what={a.email} onClick={() => setEditing(a)}>Edit</SmallButton>
              {a.id !== me.account.id ? (
                <SmallButton what={a.email} onClick={() => void patch(a, { status: a.status === 'active' ? 'suspended' : 'active' })}>
                  {a.status === 'active' ? 'Suspend' : 'Activate'}
                </SmallButton>
              ) : null}
            </td>
          </tr>
        )} />
      ) : null}
      <EditAccount account={editing} plans={plans.data} onClose={() => setEditing(null)} onSave={async (a, body) => { if (await patch(a, body)) setEditing(null) }} />
    </>
  )
}

function NewAccount({ plans, onCreated }: { plans: Plans | null; onCreated: (c: Created) => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [isAdmin, setIsAdmin] = useState(false)
  const [plan, setPlan] = useState('')
  const [quota, setQuota] = useState('')
  const { busy, error, submit } = useForm()
  return (
    <FormCard
      id="new-acct-h"
      title="New account"
      error={error}
      onSubmit={submit(async () => {
        onCreated(await call(client.api.admin.accounts.post({ email, password, isAdmin, ...(plan ? { plan } : {}), ...(quota.trim() ? { quota: quota.trim() } : {}) })))
        setEmail(''); setPassword(''); setIsAdmin(false); setQuota('')
      })}
    >
      <div className="row">
        <Field label="Email">{(id) => <input id={id} type="email" required autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        <Field label="Initial password" hint="At least 10 characters.">{(id, hint) => <input id={id} aria-describedby={hint} type="password" autoComplete="new-password" minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
      </div>
      <div className="row">
        <PlanSelect plans={plans} value={plan} onChange={setPlan} />
        <Field label="Quota (optional)" hint="e.g. 50GiB; empty: the plan's quota.">{(id, hint) => <input id={id} aria-describedby={hint} value={quota} onChange={(e) => setQuota(e.target.value)} />}</Field>
      </div>
      <Check label="Administrator" checked={isAdmin} onChange={setIsAdmin} />
      <div className="actions"><button type="submit" className="btn btn-primary" disabled={busy}>Create account</button></div>
    </FormCard>
  )
}

function PlanSelect({ plans, value, onChange }: { plans: Plans | null; value: string; onChange: (v: string) => void }) {
  return (
    <Field label="Plan">
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">Default{plans ? ` (${plans.defaultPlan})` : ''}</option>
          {plans?.plans.map((p) => <option key={p.name} value={p.name}>{p.name} — {bytes(p.quotaBytes)}, {p.maxBuckets} buckets</option>)}
        </select>
      )}
    </Field>
  )
}

type EditProps = {
  plans: Plans | null; onClose: () => void
  onSave: (a: Account, body: { plan?: string | null; quota?: string | null; isAdmin?: boolean }) => Promise<void>
}

function EditAccount({ account, ...props }: EditProps & { account: Account | null }) {
  return (
    <Dialog title={account ? `Edit ${account.email}` : 'Edit account'} open={account !== null} onClose={props.onClose}>
      {/* Keyed by the account: each opening starts from that account's settings. */}
      {account ? <EditAccountForm key={account.id} account={account} {...props} /> : null}
    </Dialog>
  )
}

function EditAccountForm({ account, plans, onClose, onSave }: EditProps & { account: Account }) {
  const [plan, setPlan] = useState(account.plan)
  const [quota, setQuota] = useState('')
  const [isAdmin, setIsAdmin] = useState(account.isAdmin)
  return (
    <form onSubmit={(e) => { e.preventDefault(); void onSave(account, { plan: plan || null, ...(quota.trim() ? { quota: quota.trim() === 'plan' ? null : quota.trim() } : {}), isAdmin }) }}>
      <PlanSelect plans={plans} value={plan} onChange={setPlan} />
      <Field label="Quota" hint={`Now ${bytes(account.quotaBytes)}. A size such as 50GiB; “plan” for the plan's quota; empty keeps it.`}>
        {(id, hint) => <input id={id} aria-describedby={hint} value={quota} onChange={(e) => setQuota(e.target.value)} />}
      </Field>
      <Check label="Administrator" checked={isAdmin} onChange={setIsAdmin} />
      <div className="actions">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="submit" className="btn btn-primary">Save</button>
      </div>
    </form>
  )
}
