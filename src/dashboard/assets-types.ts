/** One built file of the dashboard, served under /assets/{name}. */
export interface DashboardFile {
  name: string
  type: string
  body: string
}

/** The built dashboard: its page and the hashed files it loads. */
export interface DashboardBuild {
  /** index.html: refers to the hashed files by name. */
  index: string
  files: DashboardFile[]
}
