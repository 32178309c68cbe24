import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react'
import { call, client, setCsrfToken, whenSignedOut, type Me, type PublicConfig } from './api'
import { resetBuckets } from './lib/buckets'

interface Session {
  /** 'loading' until /api/me answered once. */
  status: 'loading' | 'signed-out' | 'signed-in'
  me: Me | null
  config: PublicConfig | null
  /** After login or sign-up: the session's CSRF token, then the account. */
  signedIn(csrfToken: string): Promise<void>
  /** Reads the account again (usage changed). */
  refresh(): Promise<void>
  signedOut(): void
}

const Ctx = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(Ctx)
  if (!s) throw new Error('useSession outside SessionProvider')
  return s
}

/** The signed-in account (pages under the signed-in layout only). */
export function useMe(): Me {
  const me = useSession().me
  if (!me) throw new Error('useMe without a session')
  return me
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Session['status']>('loading')
  const [me, setMe] = useState<Me | null>(null)
  const [config, setConfig] = useState<PublicConfig | null>(null)

  const signedOut = useCallback(() => {
    setCsrfToken(null)
    resetBuckets()
    setMe(null)
    setStatus('signed-out')
  }, [])

  const refresh = useCallback(async () => {
    const m = await call(client.api.me.get())
    if (m.csrfToken) setCsrfToken(m.csrfToken)
    setMe(m)
    setStatus('signed-in')
  }, [])

  const signedIn = useCallback(async (csrfToken: string) => {
    setCsrfToken(csrfToken)
    await refresh()
  }, [refresh])

  useEffect(() => {
    whenSignedOut(signedOut)
    // Public settings (no credentials, outside the dashboard's request budget) and the session.
    call(client.api.config.get()).then(setConfig, () => {})
    refresh().catch(() => setStatus('signed-out'))
  }, [refresh, signedOut])

  return <Ctx.Provider value={{ status, me, config, signedIn, refresh, signedOut }}>{children}</Ctx.Provider>
}
