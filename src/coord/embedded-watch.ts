import type { Logger } from '../common/index.js';
import type { RevisionEvents } from './kv-state.js';
import { reportError } from './report-error.js';
import type { Watch, WatchEvent } from './types.js';

/**
 * One prefix watch of the embedded store. Events arrive a revision at a
 * time, already durable, and are handed to the listener from a microtask,
 * never inside the store call that produced them (a listener that writes to
 * the store must not re-enter it). Revisions at or below the watermark are
 * skipped, which joins the history replay to the live feed without a gap or
 * a duplicate.
 */
export class EmbeddedWatch implements Watch {
  readonly #prefix: string;
  readonly #onEvent: (e: WatchEvent) => void;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #logger: Logger;
  readonly #detach: (w: EmbeddedWatch) => void;
  readonly #queue: WatchEvent[] = [];
  #watermark: number;
  #scheduled = false;
  #closed = false;

  constructor(o: {
    prefix: string;
    onEvent: (e: WatchEvent) => void;
    onError: ((err: Error) => void) | undefined;
    logger: Logger;
    afterRevision: number;
    detach: (w: EmbeddedWatch) => void;
  }) {
    this.#prefix = o.prefix;
    this.#onEvent = o.onEvent;
    this.#onError = o.onError;
    this.#logger = o.logger;
    this.#watermark = o.afterRevision;
    this.#detach = o.detach;
  }

  /** Take one revision's events (skipped when already seen or closed). */
  offer(rev: RevisionEvents): void {
    if (this.#closed || rev.revision <= this.#watermark) return;
    this.#watermark = rev.revision;
    for (const e of rev.events) if (e.key.startsWith(this.#prefix)) this.#queue.push(e);
    if (this.#queue.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#drain());
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#queue.length = 0;
      this.#detach(this);
    }
    return Promise.resolve();
  }

  #drain(): void {
    this.#scheduled = false;
    while (!this.#closed && this.#queue.length > 0) {
      const e = this.#queue.shift()!;
      try {
        this.#onEvent(e);
      } catch (err) {
        reportError(this.#onError, this.#logger, 'coord watch: event listener threw', err);
      }
    }
  }
}
