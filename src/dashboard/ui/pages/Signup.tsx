import { useState } from 'react'
import { call, client, type Data } from '../api'
import { useSession } from '../session'
import { go } from '../lib/router'
import { Field } from '../components/Field'
import { Notice } from '../components/Notice'
import { PageHeader } from '../components/PageHeader'
import { NewKey } from '../components/NewKey'
import { useForm } from '../lib/use-form'

type Created = Data<typeof client.api.auth.signup.post>

export function Signup() {
  const { signedIn, config } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [confirm, setConfirm] = useState('')
  const { busy, error, submit } = useForm()
  const [created, setCreated] = useState<Created | null>(null)

  if (config && config.signup !== 'open') {
    return (
      <div className="auth">
        <PageHeader title="Sign up" />
        <Notice kind="info">Sign-up is closed on this appliance: ask its administrator for an account.</Notice>
        <p><a href="#/login">Log in</a></p>
      </div>
    )
  }
  if (created) {
    return (
      <div className="auth auth-wide">
        <PageHeader title="Your account is ready" />
        <p>Your default bucket is <strong>{created.bucket}</strong>. This is your first access key: copy the secret now, it is shown only once.</p>
        <NewKey accessKey={created.accessKey} secretKey={created.secretKey} />
        <div className="actions">
          <button type="button" className="btn btn-primary" onClick={async () => { await signedIn(created.csrfToken); go('#/') }}>Continue to the dashboard</button>
        </div>
      </div>
    )
  }
  return (
    <div className="auth">
      <PageHeader title="Sign up" />
      <form
        className="card form"
        onSubmit={submit(async () => {
          if (password !== confirm) throw new Error('The passwords do not match.')
          setCreated(await call(client.api.auth.signup.post({ email, password })))
        })}
      >
        <Notice kind="error">{error}</Notice>
        <Field label="Email">{(id) => <input id={id} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        <Field label="Password" hint="At least 10 characters.">{(id, hint) => <input id={id} aria-describedby={hint} type="password" autoComplete="new-password" minLength={10} required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        <Field label="Repeat the password">{(id) => <input id={id} type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />}</Field>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Creating your account…' : 'Create account'}</button>
        </div>
      </form>
      <p>Already have an account? <a href="#/login">Log in</a></p>
    </div>
  )
}
