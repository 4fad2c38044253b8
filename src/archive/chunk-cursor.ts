import { TimestampStreamDecoder } from './timestamp-stream.js';
import { ValueStreamDecoder } from './value-decoder.js';

/** Points decoded per batch: bulk decoding into typed arrays boxes nothing. */
const BATCH = 64;

/**
 * Walks the (timestamp, value) points of one series chunk: a timestamp
 * stream and a value stream of the same count. No allocation per point:
 * read `timestampMs` and `value` after each `next()` that returned true.
 *
 * ```ts
 * const c = new ChunkCursor().reset(tsBytes, valueBytes, count);
 * while (c.next()) use(c.timestampMs, c.value);
 * ```
 */
export class ChunkCursor {
  readonly #ts = new TimestampStreamDecoder();
  readonly #values = new ValueStreamDecoder();
  readonly #tsBatch = new Float64Array(BATCH);
  readonly #valueBatch = new Float64Array(BATCH);
  #at = 0;
  #filled = 0;
  timestampMs = NaN;
  value = NaN;

  /** Point the cursor at a chunk; `count` points are read from each stream's start. */
  reset(timestamps: Uint8Array, values: Uint8Array, count: number): this {
    this.#ts.reset(timestamps, count);
    this.#values.reset(values, count);
    this.#at = 0;
    this.#filled = 0;
    return this;
  }

  /** Advance to the next point; false when the chunk is exhausted. */
  next(): boolean {
    if (this.#at === this.#filled) {
      const n = Math.min(BATCH, this.#ts.remaining);
      if (n === 0) return false;
      this.#ts.decode(this.#tsBatch, 0, n);
      this.#values.decode(this.#valueBatch, 0, n);
      this.#at = 0;
      this.#filled = n;
    }
    this.timestampMs = this.#tsBatch[this.#at]!;
    this.value = this.#valueBatch[this.#at]!;
    this.#at++;
    return true;
  }
}
