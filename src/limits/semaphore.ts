/**
 * At most `max` tasks at a time; the rest wait in order. Bounds memory-heavy work: argon2 hashes
 * (64 MiB each) under a login flood, image transforms.
 */
export class Semaphore {
  private active = 0
  private readonly waiters: Array<() => void> = []
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiters.push(r))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      this.waiters.shift()?.()
    }
  }
}
