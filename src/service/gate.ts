/**
 * Bound on concurrent calibrations, with a bounded waiting line in front of it (the R service
 * queued its requests; callers such as the old nightly job retry a few times and then give up,
 * so an instant 503 under a short burst lost whole nights). A request waits for a slot up to
 * `waitMs`; at most `queueLength` wait at once; beyond either it is refused (503 busy). Slots go
 * to waiters in arrival order. Each release counts exactly once.
 */
export class GateBusyError extends Error {
  override name = 'GateBusyError';
  constructor(
    readonly why: 'queue_full' | 'wait_timeout',
    message: string,
  ) {
    super(message);
  }
}

interface Waiter {
  grant: (release: () => void) => void;
  fail: (err: Error) => void;
}

export class ConcurrencyGate {
  private active = 0;
  private readonly waiting: Waiter[] = [];
  constructor(
    readonly max: number,
    readonly queueLength = 0,
    readonly waitMs = 0,
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`concurrency bound must be an integer >= 1, got ${max}`);
    if (!Number.isInteger(queueLength) || queueLength < 0)
      throw new RangeError(`queue length must be an integer >= 0, got ${queueLength}`);
  }

  get inUse(): number {
    return this.active;
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter: `active` stays as it is.
      if (next) next.grant(this.releaser());
      else this.active--;
    };
  }

  /** A release function, or null when every slot is taken. */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.max) return null;
    this.active++;
    return this.releaser();
  }

  /**
   * A slot now, or once one frees within `waitMs`; rejects with GateBusyError when the line is
   * full or the wait runs out, and with `signal`'s reason when the caller hangs up meanwhile.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (this.waiting.length >= this.queueLength || this.waitMs <= 0)
      return Promise.reject(
        new GateBusyError(
          'queue_full',
          `all ${this.max} calibration slot(s) are busy and ${this.waiting.length} request(s) are waiting`,
        ),
      );
    return new Promise((resolve, reject) => {
      const leave = () => {
        const k = this.waiting.indexOf(waiter);
        if (k >= 0) this.waiting.splice(k, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: (release) => {
          leave();
          resolve(release);
        },
        fail: (err) => {
          leave();
          reject(err);
        },
      };
      const timer = setTimeout(
        () =>
          waiter.fail(
            new GateBusyError(
              'wait_timeout',
              `no calibration slot freed within ${Math.round(this.waitMs / 1000)} s`,
            ),
          ),
        this.waitMs,
      );
      const onAbort = () => waiter.fail(new Error('the caller hung up while waiting for a slot'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }
}
