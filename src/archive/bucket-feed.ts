import type { SetVersion } from './set-version.js';
import { FIELD_COUNT } from './tier-schema.js';

/** Receives a closed bucket: the tier version, the bucket start and its row (valid during the call). */
export type BucketSink = (version: SetVersion, startMs: number, row: Float64Array) => void;

interface OpenBucket {
  version: SetVersion;
  startMs: number;
  readonly row: Float64Array;
}

// Field offsets within a metric's FIELD_COUNT values (the order of TIER_FIELDS).
const MIN = 0;
const MAX = 1;
const SUM = 2;
const COUNT = 3;
const LAST = 4;

/**
 * Folds each set's samples (or the rows of a finer tier) into buckets of
 * `bucketMs`: per metric min, max, sum, count and last of the non-NaN
 * values. A set's timestamps only grow, so its bucket is closed, and handed
 * to the sink, when an input at or past the bucket's end arrives. The open
 * bucket is never stored: after a restart it is rebuilt from the finer
 * store, from `resumeMs` on (inputs before it are already in the tier).
 */
export class BucketFeed {
  readonly bucketMs: number;
  readonly #sink: BucketSink;
  readonly #open = new Map<string, OpenBucket>();
  readonly #resume = new Map<string, number>();

  constructor(bucketMs: number, sink: BucketSink) {
    this.bucketMs = bucketMs;
    this.#sink = sink;
  }

  /** Ignore inputs of `key` in buckets starting before `ms` (they are stored already). */
  resumeAt(key: string, ms: number): void {
    this.#resume.set(key, ms);
  }

  /** Fold one sample: `lanes[i]` is the source lane of the tier's i-th metric. */
  addSample(version: SetVersion, lanes: Uint32Array, t: number, values: Float64Array): void {
    const row = this.#bucketRow(version, t);
    if (row === undefined) return;
    for (let i = 0; i < lanes.length; i++) {
      const v = values[lanes[i]!]!;
      if (Number.isNaN(v)) continue;
      const o = i * FIELD_COUNT;
      if (row[o + COUNT]! === 0) {
        row[o + MIN] = v;
        row[o + MAX] = v;
      } else {
        if (v < row[o + MIN]!) row[o + MIN] = v;
        if (v > row[o + MAX]!) row[o + MAX] = v;
      }
      row[o + SUM] = row[o + SUM]! + v;
      row[o + COUNT] = row[o + COUNT]! + 1;
      row[o + LAST] = v;
    }
  }

  /** Fold a finer tier's row (same fields): min of mins, max of maxes, sums of sums and counts. */
  addRow(version: SetVersion, t: number, input: Float64Array): void {
    const row = this.#bucketRow(version, t);
    if (row === undefined) return;
    for (let o = 0; o < input.length; o += FIELD_COUNT) {
      const c = input[o + COUNT]!;
      if (!(c > 0)) continue;
      if (row[o + COUNT]! === 0) {
        row[o + MIN] = input[o + MIN]!;
        row[o + MAX] = input[o + MAX]!;
      } else {
        row[o + MIN] = Math.min(row[o + MIN]!, input[o + MIN]!);
        row[o + MAX] = Math.max(row[o + MAX]!, input[o + MAX]!);
      }
      row[o + SUM] = row[o + SUM]! + input[o + SUM]!;
      row[o + COUNT] = row[o + COUNT]! + c;
      row[o + LAST] = input[o + LAST]!;
    }
  }

  /**
   * The row of the bucket holding `t`, closing the set's previous bucket;
   * undefined when the input is to be ignored. A schema change inside a
   * bucket closes it early, and the rest of that bucket is not folded (a
   * row per bucket and set, with one schema): rare, and documented.
   */
  #bucketRow(version: SetVersion, t: number): Float64Array | undefined {
    const start = Math.floor(t / this.bucketMs) * this.bucketMs;
    const key = version.key;
    if (start < (this.#resume.get(key) ?? -Infinity)) return undefined;
    let b = this.#open.get(key);
    if (b !== undefined && b.startMs === start && b.version === version) return b.row;
    if (b !== undefined) {
      this.#emit(b);
      if (b.startMs === start) {
        this.#resume.set(key, start + this.bucketMs);
        this.#open.delete(key);
        return undefined;
      }
    }
    if (b === undefined || b.version !== version) {
      const row = new Float64Array(version.set.schema.metrics.length);
      b = { version, startMs: start, row: clear(row) };
      this.#open.set(key, b);
    }
    b.startMs = start;
    return b.row;
  }

  #emit(b: OpenBucket): void {
    this.#sink(b.version, b.startMs, b.row);
    clear(b.row);
  }
}

/** An empty bucket: no value, so min, max and last are NaN. */
function clear(row: Float64Array): Float64Array {
  for (let o = 0; o < row.length; o += FIELD_COUNT) {
    row[o + MIN] = NaN;
    row[o + MAX] = NaN;
    row[o + SUM] = 0;
    row[o + COUNT] = 0;
    row[o + LAST] = NaN;
  }
  return row;
}
