import type { Config } from '../config/config'
import type { Db } from '../db/client'
import type { Repos } from '../db/repos'
import type { BlobStore } from '../blob/blob-store'
import type { EventBus } from '../events/bus'
import type { ErrorReporter } from '../log/logger'

/** What every service receives: the composition root builds this once. */
export interface Deps {
  config: Config
  db: Db
  repos: Repos
  blobs: BlobStore
  bus: EventBus
  masterKey: Buffer
  now: () => number
  /** Failures a service handles itself (best-effort work); they go to the log. */
  report: ErrorReporter
}

/** Who is acting. Services authorize against it; surfaces build it from their credentials. */
export type Principal =
  | { kind: 'account'; accountId: string; isAdmin: boolean; accessKeyId: string | null }
  | { kind: 'anonymous'; ip: string }
  | { kind: 'system'; job: string }

/** Who calls the JSON API: the account, and how it proved it (a session, an API key, the local admin token). */
export interface ApiPrincipal {
  accountId: string
  isAdmin: boolean
  via: 'session' | 'apiKey' | 'adminToken'
  accessKeyId?: string
  sessionId?: string
  csrfToken?: string
}
