import { TimestampStreamDecoder } from './timestamp-stream.js';
import { ValueStreamDecoder } from './value-decoder.js';

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
  timestampMs = NaN;
  value = NaN;

  /** Point the cursor at a chunk; `count` points are read from each stream's start. */
  reset(timestamps: Uint8Array, values: Uint8Array, count: number): this {
    this.#ts.reset(timestamps, count);
    this.#values.reset(values, count);
    return this;
  }

  /** Advance to the next point; false when the chunk is exhausted. */
  next(): boolean {
    if (this.#ts.remaining === 0) return false;
    this.timestampMs = this.#ts.next();
    this.value = this.#values.next();
    return true;
  }
}
