/**
 * Time source injected into every timed component so tests can drive time
 * without sleeping.
 */
export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  now(): number;
  /** Schedule `fn` after `delayMs`; the returned handle cancels it. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
}

export interface TimerHandle {
  cancel(): void;
}

/** The real clock: Date.now and unref()ed timers so a pending tick never keeps a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, delayMs) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * A manual clock for tests: time moves only when `advance` is called, and
 * timers due by then fire in order of their due time.
 */
export class ManualClock implements Clock {
  #nowMs: number;
  #timers: { dueMs: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  #seq = 0;

  constructor(startMs: number) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer = {
      dueMs: this.#nowMs + Math.max(0, delayMs),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Number of timers scheduled and not yet fired or cancelled. */
  pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#nowMs + ms;
    for (;;) {
      const live = this.#timers.filter((t) => !t.cancelled && t.dueMs <= target);
      if (live.length === 0) break;
      live.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
      const next = live[0]!;
      next.cancelled = true;
      this.#nowMs = Math.max(this.#nowMs, next.dueMs);
      next.fn();
    }
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    this.#nowMs = target;
  }
}
