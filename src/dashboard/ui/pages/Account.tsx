import { useState } from 'react'
import { call, client, messageOf, setCsrfToken } from '../api'
import { useMe, useSession } from '../session'
import { go } from '../lib/router'
import { useForm } from '../lib/use-form'
import { dateTime } from '../lib/format'
import { PageHeader } from '../components/PageHeader'
import { Field } from '../components/Field'
import { FormCard } from '../components/FormCard'

/** The password, and logging out of every browser at once. */
export function Account() {
  const me = useMe()
  const { signedOut } = useSession()
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [repeat, setRepeat] = useState('')
  const { busy, error, setError, ok, submit } = useForm()
  return (
    <>
      <PageHeader title="Account" />
      <section className="card" aria-labelledby="acct-h">
        <h2 id="acct-h">{me.account.email}</h2>
        <dl className="stats">
          <div><dt>Plan</dt><dd>{me.plan.name}</dd></div>
          <div><dt>Role</dt><dd>{me.account.isAdmin ? 'Administrator' : 'User'}</dd></div>
          <div><dt>Member since</dt><dd>{dateTime(me.account.createdAt)}</dd></div>
          <div><dt>Default bucket</dt><dd>{me.account.defaultBucket ?? '—'}</dd></div>
        </dl>
      </section>
      <FormCard
        id="pw-h"
        title="Change password"
        error={error}
        ok={ok}
        onSubmit={submit(async () => {
          if (next !== repeat) throw new Error('The new passwords do not match.')
          const r = await call(client.api.auth.password.post({ currentPassword: current, newPassword: next }))
          // Every session was revoked; this browser got a new one.
          if (r.csrfToken) setCsrfToken(r.csrfToken)
          setCurrent(''); setNext(''); setRepeat('')
          return 'Password changed. Every other browser is logged out.'
        })}
      >
        <Field label="Current password">{(id) => <input id={id} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />}</Field>
        <Field label="New password" hint="At least 10 characters.">{(id, hint) => <input id={id} aria-describedby={hint} type="password" autoComplete="new-password" minLength={10} required value={next} onChange={(e) => setNext(e.target.value)} />}</Field>
        <Field label="Repeat the new password">{(id) => <input id={id} type="password" autoComplete="new-password" required value={repeat} onChange={(e) => setRepeat(e.target.value)} />}</Field>
        <div className="actions"><button type="submit" className="btn btn-primary" disabled={busy}>Change password</button></div>
      </FormCard>
      <section className="card" aria-labelledby="out-h">
        <h2 id="out-h">Log out everywhere</h2>
        <p className="muted">Ends every dashboard session of this account, in every browser (this one too). Access keys keep working.</p>
        <button
          type="button"
          className="btn btn-danger"
          onClick={async () => {
            try {
              await call(client.api.auth['logout-all'].post())
              signedOut()
              go('#/login')
            } catch (err) {
              setError(messageOf(err))
            }
          }}
        >Log out everywhere</button>
      </section>
    </>
  )
}
