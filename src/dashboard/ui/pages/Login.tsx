import { useState } from 'react'
import { call, client } from '../api'
import { useSession } from '../session'
import { Field } from '../components/Field'
import { Notice } from '../components/Notice'
import { PageHeader } from '../components/PageHeader'
import { useForm } from '../lib/use-form'

export function Login() {
  const { signedIn, config } = useSession()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { busy, error, submit } = useForm()
  return (
    <div className="auth">
      <PageHeader title="Log in" />
      <form
        className="card form"
        onSubmit={submit(async () => {
          const r = await call(client.api.auth.login.post({ email, password }))
          // The page asked for stays (a bookmark opened while logged out); the login page itself goes to the overview.
          await signedIn(r.csrfToken)
        })}
      >
        <Notice kind="error">{error}</Notice>
        <Field label="Email">{(id) => <input id={id} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />}</Field>
        <Field label="Password">{(id) => <input id={id} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />}</Field>
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        </div>
      </form>
      {config?.signup === 'open' ? <p>No account yet? <a href="#/signup">Sign up</a></p> : <p className="muted">Accounts are created by the administrator of this appliance.</p>}
    </div>
  )
}
