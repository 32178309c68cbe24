import type { ScreenDef } from './types'
import { Overview, overviewResources } from './Overview'
import { Accounts } from './Accounts'
import { accountsKeys } from './accounts-keys'
import { Keys, keysKeys } from './Keys'
import { Buckets, bucketsKeys } from './Buckets'
import { Files, filesKeys } from './Files'
import { TimeMachine, tmKeys } from './TimeMachine'
import { Webhooks, webhooksKeys } from './Webhooks'
import { Shares, sharesKeys } from './Shares'
import { accountsResources } from '../state/accounts-extra'
import { keysResources } from '../state/keys'
import { bucketsResources } from '../state/buckets'
import { filesResources } from '../state/files'
import { tmResources } from '../state/timemachine'
import { webhooksResources } from '../state/webhooks'
import { sharesResources } from '../state/shares'

/**
 * Adding a screen: a component, an entry here (key, title, resources), its ScreenId; a screen
 * with keys of its own also gives `keys` (see Keys.tsx). Number keys follow this order.
 */
export const SCREENS: ScreenDef[] = [
  { id: 'overview', key: '1', title: 'Overview', resources: overviewResources, component: Overview },
  { id: 'accounts', key: '2', title: 'Accounts', resources: accountsResources, component: Accounts, keys: accountsKeys, adminOnly: true },
  { id: 'keys', key: '3', title: 'Keys', resources: keysResources, component: Keys, keys: keysKeys },
  { id: 'buckets', key: '4', title: 'Buckets', resources: bucketsResources, component: Buckets, keys: bucketsKeys },
  { id: 'files', key: '5', title: 'Files', resources: filesResources, component: Files, keys: filesKeys },
  { id: 'tm', key: '6', title: 'Time Machine', resources: tmResources, component: TimeMachine, keys: tmKeys },
  { id: 'webhooks', key: '7', title: 'Webhooks', resources: webhooksResources, component: Webhooks, keys: webhooksKeys },
  { id: 'shares', key: '8', title: 'Shares', resources: sharesResources, component: Shares, keys: sharesKeys },
]
