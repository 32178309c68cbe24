import { useEffect } from 'react'
import { useSession } from './session'
import { go, useRoute } from './lib/router'
import { Layout } from './components/Layout'
import { Loading } from './components/Notice'
import { PageHeader } from './components/PageHeader'
import { Login } from './pages/Login'
import { Signup } from './pages/Signup'
import { Overview } from './pages/Overview'
import { Keys } from './pages/Keys'
import { Buckets } from './pages/Buckets'
import { BucketSettings } from './pages/BucketSettings'
import { TimeMachine } from './pages/TimeMachine'
import { Files } from './pages/Files'
import { Shares } from './pages/Shares'
import { Webhooks } from './pages/Webhooks'
import { Account } from './pages/Account'
import { Admin } from './pages/Admin'

function Page({ route }: { route: string[] }) {
  const [page, a, b, c] = route
  switch (page ?? '') {
    case '': return <Overview />
    case 'keys': return <Keys />
    case 'buckets': return a ? <BucketSettings name={a} /> : <Buckets />
    case 'files': return <Files bucket={a} prefix={b ?? ''} selected={c} />
    case 'time-machine': return <TimeMachine bucket={a} fileKey={b} />
    case 'shares': return <Shares bucket={a} fileKey={b} />
    case 'webhooks': return <Webhooks />
    case 'account': return <Account />
    case 'admin': return <Admin />
    default: return <><PageHeader title="Not found" /><p>There is no page here. <a href="#/">Go to the overview</a>.</p></>
  }
}

/** Signed-out pages: the brand and the form, nothing else. */
function Public({ children }: { children: React.ReactNode }) {
  return (
    <div className="public">
      <header className="topbar"><span className="brand">CloudStorage</span></header>
      <main id="main">{children}</main>
    </div>
  )
}

export function App() {
  const { status } = useSession()
  const route = useRoute()
  const page = route[0] ?? ''
  const publicPage = page === 'login' || page === 'signup'
  useEffect(() => {
    if (status === 'signed-in' && publicPage) go('#/')
  }, [status, publicPage])
  if (status === 'loading') return <Public><Loading /></Public>
  if (status === 'signed-out') return <Public>{page === 'signup' ? <Signup /> : <Login />}</Public>
  if (publicPage) return <Public><Loading /></Public>
  return <Layout current={page}><Page route={route} /></Layout>
}
