/**
 * Polls until `read` returns something truthy, and returns it. Tests wait for conditions, never
 * for time: the deadline only turns a hang into a failure that says what never happened (`what`
 * may be a function, to show the state it last saw).
 */
export async function until<T>(read: () => T | Promise<T>, what: string | (() => string), guardMs = 60_000): Promise<Truthy<T>> {
  for (const deadline = Date.now() + guardMs; ;) {
    const v = await read()
    if (v) return v as Truthy<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await Bun.sleep(10) // the poll interval: the condition above decides, never this pause
  }
}

type Truthy<T> = Exclude<Awaited<T>, false | null | undefined | 0 | ''>
