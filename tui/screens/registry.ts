import type { Loaders, ScreenDef } from './types'
import { Overview } from './Overview'
import { Accounts } from './Accounts'
import { accountsKeys } from './accounts-keys'

/** How each resource is fetched; a screen names the resources it needs. */
export const LOADERS: Loaders = {
  overview: (client, signal) => client.overview(signal),
  accounts: (client, signal) => client.listAccounts(signal),
}

/**
 * Adding a screen: a component, an entry here (key, title, resources), its ScreenId; a screen
 * with keys of its own also gives `keys` (see accounts-keys.ts).
 */
export const SCREENS: ScreenDef[] = [
  { id: 'overview', key: '1', title: 'Overview', resources: ['overview'], component: Overview },
  { id: 'accounts', key: '2', title: 'Accounts', resources: ['accounts'], component: Accounts, keys: accountsKeys },
]
