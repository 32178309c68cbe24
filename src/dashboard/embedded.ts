import type { DashboardBuild } from './assets-types'

/**
 * The dashboard built into the executable. In a source checkout there is none (the server builds
 * it in memory on first use); build.ts replaces this module with the built files.
 */
export function embeddedDashboard(): DashboardBuild | null {
  return null
}
