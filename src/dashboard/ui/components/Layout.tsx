import { useEffect, useState, type ReactNode } from 'react'
import { call, client } from '../api'
import { useSession } from '../session'
import { go } from '../lib/router'
import { Uploads } from './Uploads'
import { KeyNotice } from './KeyNotice'

interface NavItem { id: string; label: string; admin?: boolean }
const NAV: NavItem[] = [
  { id: '', label: 'Overview' },
  { id: 'buckets', label: 'Buckets' },
  { id: 'files', label: 'Files' },
  { id: 'time-machine', label: 'Time Machine' },
  { id: 'shares', label: 'Shares' },
  { id: 'webhooks', label: 'Webhooks' },
  { id: 'keys', label: 'Access keys' },
  { id: 'account', label: 'Account' },
  { id: 'admin', label: 'Admin', admin: true },
]

/** The signed-in frame: skip link, header with the account and log out, navigation, the page. */
export function Layout({ current, children }: { current: string; children: ReactNode }) {
  const { me, signedOut } = useSession()
  const [menu, setMenu] = useState(false)
  useEffect(() => setMenu(false), [current])
  const logout = async () => {
    try { await call(client.api.auth.logout.post()) } catch { /* the session is gone either way */ }
    signedOut()
    go('#/login')
  }
  return (
    <div className="app">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus() }}>Skip to content</a>
      <header className="topbar">
        <a className="brand" href="#/">CloudStorage</a>
        <button type="button" className="btn menu-toggle" aria-expanded={menu} aria-controls="nav" onClick={() => setMenu((m) => !m)}>Menu</button>
        <div className="who">
          <span className="email" title={me?.account.email}>{me?.account.email}</span>
          <button type="button" className="btn btn-small" onClick={logout}>Log out</button>
        </div>
      </header>
      <div className="frame">
        <nav id="nav" aria-label="Main" className={menu ? 'open' : undefined}>
          <ul>
            {NAV.filter((n) => !n.admin || me?.account.isAdmin).map((n) => (
              <li key={n.id}><a href={`#/${n.id}`} aria-current={current === n.id ? 'page' : undefined}>{n.label}</a></li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <KeyNotice />
          {children}
          <Uploads />
        </main>
      </div>
    </div>
  )
}
