import type { TimerHandle } from '../../common/index.js';
import type { SumStatDef } from '../definition.js';
import { KeyMerger } from './merge.js';
import type { EncodedKey } from './messages.js';

/**
 * One epoch being collected by a manager: which workers still owe their
 * drain, which are already known missing, and the merge so far. Parts are
 * merged as batches arrive, so memory is one reducer set per key.
 */
export class Collection {
  readonly gen: number;
  readonly epochStartMs: number;
  readonly epochEndMs: number;
  readonly merger: KeyMerger;
  /** Workers asked to drain that have not sent their last batch. */
  readonly waiting: Set<string>;
  /** Workers that took part in the epoch and cannot answer (died, disconnected, timed out). */
  readonly missing = new Set<string>();
  timer: TimerHandle | undefined;
  badParts = 0;

  constructor(
    def: SumStatDef,
    gen: number,
    startMs: number,
    endMs: number,
    waiting: Iterable<string>,
  ) {
    this.merger = new KeyMerger(def);
    this.gen = gen;
    this.epochStartMs = startMs;
    this.epochEndMs = endMs;
    this.waiting = new Set(waiting);
  }

  /** Fold one batch in; returns true when that worker is done. A part that does not decode is counted and skipped. */
  add(worker: string, keys: [string, EncodedKey][], done: boolean): boolean {
    if (!this.waiting.has(worker)) return false;
    for (const [key, part] of keys) {
      try {
        this.merger.add(key, part);
      } catch {
        this.badParts++;
      }
    }
    if (done) this.waiting.delete(worker);
    return done;
  }

  /** A worker went away mid-collection: its part is missing. */
  lost(worker: string): void {
    if (this.waiting.delete(worker)) this.missing.add(worker);
  }

  get finished(): boolean {
    return this.waiting.size === 0;
  }

  /** Workers whose part is missing, sorted; anyone still waiting counts (deadline passed). */
  missingNames(): string[] {
    return [...this.missing, ...this.waiting].sort();
  }
}
