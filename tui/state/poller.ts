export interface Poller {
  start(): void
  /** Run now; if a run is in flight, run once more as soon as it ends (the user wants fresh data). */
  refreshNow(): void
  /** Stop the timer and abort the run in flight. */
  stop(): void
}

/**
 * Runs `task` every `intervalMs`, measured from the end of the previous run, so a slow or
 * timing-out server never gets overlapping requests piling up.
 */
export function createPoller(task: (signal: AbortSignal) => Promise<void>, intervalMs: number): Poller {
  let timer: ReturnType<typeof setTimeout> | null = null
  let controller: AbortController | null = null
  let stopped = true
  let again = false

  async function run(): Promise<void> {
    if (stopped) return
    if (controller) { again = true; return }
    if (timer) { clearTimeout(timer); timer = null }
    const current = new AbortController()
    controller = current
    try {
      await task(current.signal)
    } finally {
      if (controller === current) controller = null
    }
    if (stopped) return
    if (again) { again = false; return run() }
    timer = setTimeout(run, intervalMs)
  }

  return {
    start() {
      if (!stopped) return
      stopped = false
      void run()
    },
    refreshNow() { void run() },
    stop() {
      stopped = true
      again = false
      if (timer) { clearTimeout(timer); timer = null }
      controller?.abort()
      controller = null
    },
  }
}
