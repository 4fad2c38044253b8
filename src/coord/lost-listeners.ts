import type { Logger } from '../common/index.js';

/**
 * The 'lost' listeners of a lease or an election: fired at most once,
 * asynchronously (never inside the store call that noticed the loss), each
 * listener guarded so one that throws cannot break the others or the store.
 * A listener added after the loss is called at once (asynchronously), so a
 * late subscriber cannot miss it.
 */
export class LostListeners {
  readonly #listeners: (() => void)[] = [];
  readonly #logger: Logger;
  readonly #what: string;
  #fired = false;

  constructor(logger: Logger, what: string) {
    this.#logger = logger;
    this.#what = what;
  }

  get fired(): boolean {
    return this.#fired;
  }

  add(listener: () => void): void {
    if (this.#fired) queueMicrotask(() => this.#call(listener));
    else this.#listeners.push(listener);
  }

  /** Fire once; later calls do nothing. */
  fire(): void {
    if (this.#fired) return;
    this.#fired = true;
    const listeners = this.#listeners.splice(0);
    queueMicrotask(() => {
      for (const l of listeners) this.#call(l);
    });
  }

  #call(listener: () => void): void {
    try {
      listener();
    } catch (err) {
      this.#logger.error(`${this.#what}: a 'lost' listener threw`, { err });
    }
  }
}
