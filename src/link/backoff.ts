/** Randomised exponential backoff ("full jitter" over a growing ceiling). */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 10_000, multiplier: 2 };

export class Backoff {
  readonly #options: BackoffOptions;
  #attempt = 0;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#options = { ...DEFAULT_BACKOFF, ...options };
  }

  /**
   * Delay before the next attempt. The ceiling grows geometrically; the delay
   * is drawn between half the ceiling and the ceiling, so many peers that lost
   * the same upstream do not reconnect in lockstep, yet none retries at once.
   */
  next(): number {
    const { initialMs, maxMs, multiplier } = this.#options;
    const random = this.#options.random ?? Math.random;
    const ceiling = Math.min(maxMs, initialMs * multiplier ** this.#attempt);
    this.#attempt++;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }
}
