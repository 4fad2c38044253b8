import type { SetInstance, SetSample } from '../model/index.js';

/** One stored sample with its set. */
export interface StoredItem {
  readonly set: SetInstance;
  readonly sample: SetSample;
}

/**
 * A store plugin: where an aggregator writes what it receives (LDMS store
 * plugins). `durable` stores are awaited before a frame is acknowledged to
 * the producer; the others are written behind and never hold up ingestion.
 */
export interface Store {
  readonly name: string;
  readonly durable: boolean;
  /** Which sets this store takes (LDMS store policy by schema). */
  accepts(set: SetInstance): boolean;
  write(items: readonly StoredItem[]): Promise<void> | void;
  close(): Promise<void>;
  stats(): Record<string, number | string>;
}
