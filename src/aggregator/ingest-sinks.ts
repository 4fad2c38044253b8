import type { Logger } from '../common/index.js';
import { toError } from '../common/index.js';
import type { ReceivedSample } from '../link/index.js';
import type { Store } from '../stores/index.js';

/** Something that watches the stored host samples (a SumStats metric source, …). */
export interface SampleObserver {
  onSamples(samples: readonly ReceivedSample[]): void;
}

/**
 * Where stored host samples go besides the live tree: the stores (durable
 * ones gate the acknowledgement) and the observers (which never may).
 */
export class IngestSinks {
  readonly #stores: readonly Store[];
  readonly #observers: readonly SampleObserver[];
  readonly #logger: Logger;
  #storeErrors = 0;

  constructor(o: {
    stores: readonly Store[];
    observers: readonly SampleObserver[];
    logger: Logger;
  }) {
    this.#stores = o.stores;
    this.#observers = o.observers;
    this.#logger = o.logger;
  }

  get storeErrors(): number {
    return this.#storeErrors;
  }

  /** Write to every store that accepts them; resolves when the durable ones have. */
  write(items: readonly ReceivedSample[]): Promise<void> | void {
    let durable: Promise<void>[] | undefined;
    for (const store of this.#stores) {
      const mine = items.filter((x) => store.accepts(x.set));
      if (mine.length === 0) continue;
      try {
        const done = store.write(mine);
        if (done && store.durable) (durable ??= []).push(done);
        else if (done) done.catch((err: unknown) => this.#storeFailed(store.name, err));
      } catch (err) {
        if (store.durable) throw err;
        this.#storeFailed(store.name, err);
      }
    }
    return durable ? Promise.all(durable).then(() => undefined) : undefined;
  }

  observe(stored: readonly ReceivedSample[]): void {
    for (const o of this.#observers) {
      try {
        o.onSamples(stored);
      } catch (err) {
        // An observer's bug must not stop ingest (nor the acknowledgement).
        this.#logger.error('sample observer failed', { error: toError(err) });
      }
    }
  }

  #storeFailed(name: string, err: unknown): void {
    this.#storeErrors++;
    this.#logger.error('store write failed', { store: name, error: toError(err) });
  }
}
