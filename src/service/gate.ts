/**
 * Bound on concurrent calibrations. A slot is taken before the body is read (so a saturated
 * service does not first buffer another 100 MiB) and released exactly once when the response
 * is done or the connection dies.
 */
export class ConcurrencyGate {
  private active = 0;
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`concurrency bound must be an integer >= 1, got ${max}`);
  }

  get inUse(): number {
    return this.active;
  }

  /** A release function, or null when every slot is taken. */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.max) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }
}
