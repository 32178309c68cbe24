/** A global cap on concurrently handled requests, checked before any body is read. */
export class InflightGate {
  private active = 0
  constructor(private readonly max: number) {}
  tryAcquire(): boolean {
    if (this.active >= this.max) return false
    this.active++
    return true
  }
  release() {
    this.active--
  }
  get inFlight() {
    return this.active
  }
}
