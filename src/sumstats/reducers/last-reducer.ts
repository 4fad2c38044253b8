import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { keptValueBytes, readKeptValues, writeKeptValues } from './kept-values.js';
import { ReducerBase } from './reducer-base.js';
import { keptValueOf } from './spec.js';
import type { KeptValue, Observation, ReducerSpec } from './spec.js';

/**
 * last: the N newest values (`num ?? str`), newest last, in a ring buffer.
 * Partitions carry no timestamps, so "newest" across partitions is a
 * convention: `a.merge(b)` treats b's values as newer than a's and keeps the
 * last N of a's values followed by b's. Merging partitions in stream order
 * therefore gives exactly the last N of the whole stream.
 */
export class LastReducer extends ReducerBase {
  private readonly cap: number;
  private ring: KeptValue[] = [];
  /** Index of the oldest value once the ring is full. */
  private head = 0;

  constructor(spec: Readonly<ReducerSpec>) {
    super(spec);
    this.cap = spec.n!;
  }

  add(o: Observation): void {
    const v = keptValueOf(o);
    if (v === undefined) return;
    if (this.ring.length < this.cap) {
      this.ring.push(v);
    } else {
      this.ring[this.head] = v;
      this.head = this.head + 1 === this.cap ? 0 : this.head + 1;
    }
  }

  /** The kept values, oldest first. */
  values(): KeptValue[] {
    return this.head === 0
      ? this.ring.slice()
      : this.ring.slice(this.head).concat(this.ring.slice(0, this.head));
  }

  protected mergeState(other: this): void {
    this.ring = this.values().concat(other.values()).slice(-this.cap);
    this.head = 0;
  }

  /** The kept values, newest last. */
  result(): KeptValue[] {
    return this.values();
  }

  bytes(): number {
    let total = 48 + 8 * this.ring.length;
    for (const v of this.ring) total += keptValueBytes(v);
    return total;
  }

  protected writeState(w: ByteWriter): void {
    writeKeptValues(w, this.values());
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): LastReducer {
    const out = new LastReducer(spec);
    out.ring = readKeptValues(r, spec.n!);
    return out;
  }
}
