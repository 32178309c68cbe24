import type { Db } from '../client'
import { accountsRepo } from './accounts'
import { accessKeysRepo } from './access-keys'
import { bucketsRepo } from './buckets'
import { eventsRepo } from './events'
import { blobsRepo } from './blobs'
import { objectsRepo } from './objects'
import { multipartRepo } from './multipart'
import { sessionsRepo } from './sessions'
import { webhooksRepo } from './webhooks'
import { statsRepo } from './stats'
import { sharesRepo } from './shares'

export function createRepos(db: Db) {
  return {
    accounts: accountsRepo(db),
    accessKeys: accessKeysRepo(db),
    buckets: bucketsRepo(db),
    events: eventsRepo(db),
    blobs: blobsRepo(db),
    objects: objectsRepo(db),
    multipart: multipartRepo(db),
    sessions: sessionsRepo(db),
    webhooks: webhooksRepo(db),
    stats: statsRepo(db),
    shares: sharesRepo(db),
  }
}
export type Repos = ReturnType<typeof createRepos>
