import type { Loaders, ScreenDef } from './types'
import { Overview } from './Overview'

/** How each resource is fetched; a screen names the resources it needs. */
export const LOADERS: Loaders = {
  overview: (client, signal) => client.overview(signal),
}

/** Adding a screen: a component, an entry here (key, title, resources), its ScreenId. */
export const SCREENS: ScreenDef[] = [
  { id: 'overview', key: '1', title: 'Overview', resources: ['overview'], component: Overview },
]
