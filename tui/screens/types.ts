import type { ComponentType } from 'react'
import type { ApiClient } from '../client'
import type { ResourceKey, Resources, ScreenId, TuiState } from '../state/reducer'

export interface ScreenProps {
  state: TuiState
  url: string
}

export interface ScreenDef {
  id: ScreenId
  /** The key that switches to this screen (also shown in the tab bar). */
  key: string
  title: string
  /** Fetched every poll while the screen is shown. */
  resources: ResourceKey[]
  component: ComponentType<ScreenProps>
}

export type Loaders = { [K in ResourceKey]: (client: ApiClient, signal: AbortSignal) => Promise<Resources[K]> }
