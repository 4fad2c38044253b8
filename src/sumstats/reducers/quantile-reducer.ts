import { DDSketch } from '@datadog/sketches-js';
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { addKey, binLimit, mergeStore, readStore, writeStore } from './ddsketch-store.js';
import { decodeError } from './errors.js';
import { ReducerBase } from './reducer-base.js';
import { numberOf } from './spec.js';
import type { Observation, ReducerSpec } from './spec.js';

/**
 * quantile: DDSketch (Masson, Rim & Lee 2019) from @datadog/sketches-js, with
 * relative accuracy alpha: the value reported for quantile q is within
 * alpha·|x| of x, the stream value at rank ⌊q·(n−1)⌋, before and after
 * merges (a merge adds bucket counts, which is exact, so merged partitions
 * report exactly what one sketch over the whole stream reports). Quantiles 0
 * and 1 report the exact min and max; others are clamped into [min, max].
 * Insertion, merge and encoding go through ddsketch-store.ts, which bounds
 * memory and avoids the library's merge and collapsing-store defects.
 */
export class QuantileReducer extends ReducerBase {
  private readonly sketch: DDSketch;
  private readonly limit: number;

  constructor(spec: Readonly<ReducerSpec>) {
    super(spec);
    this.sketch = new DDSketch({ relativeAccuracy: spec.relativeAccuracy! });
    this.limit = binLimit(spec.relativeAccuracy!);
  }

  add(o: Observation): void {
    const x = numberOf(o);
    if (x === undefined) return;
    const s = this.sketch;
    const tiny = s.mapping.minPossible;
    if (x > tiny) addKey(s.store, s.mapping.key(x), 1, this.limit);
    else if (x < -tiny) addKey(s.negativeStore, s.mapping.key(-x), 1, this.limit);
    else s.zeroCount++;
    s.count++;
    s.sum += x;
    if (x < s.min) s.min = x;
    if (x > s.max) s.max = x;
  }

  protected mergeState(other: this): void {
    const a = this.sketch;
    const b = other.sketch;
    if (b.count === 0) return;
    mergeStore(a.store, b.store, this.limit);
    mergeStore(a.negativeStore, b.negativeStore, this.limit);
    a.zeroCount += b.zeroCount;
    a.count += b.count;
    a.sum += b.sum;
    if (b.min < a.min) a.min = b.min;
    if (b.max > a.max) a.max = b.max;
  }

  private valueAt(q: number): number | null {
    const s = this.sketch;
    if (s.count === 0) return null;
    if (q === 0) return s.min;
    if (q === 1) return s.max;
    return Math.min(s.max, Math.max(s.min, s.getValueAtQuantile(q)));
  }

  /** `{ '0.5': v, '0.9': v, …, count }`; each value is null while the sketch is empty. */
  result(): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    for (const q of this.spec.quantiles!) out[String(q)] = this.valueAt(q);
    out['count'] = this.sketch.count;
    return out;
  }

  bytes(): number {
    return 200 + 8 * (this.sketch.store.bins.length + this.sketch.negativeStore.bins.length);
  }

  protected writeState(w: ByteWriter): void {
    const s = this.sketch;
    w.varuint(s.zeroCount);
    w.f64(s.sum);
    w.f64(s.min);
    w.f64(s.max);
    writeStore(w, s.store);
    writeStore(w, s.negativeStore);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): QuantileReducer {
    const out = new QuantileReducer(spec);
    const s = out.sketch;
    s.zeroCount = r.varuint('zero count');
    s.sum = r.f64('sum');
    s.min = r.f64('min');
    s.max = r.f64('max');
    readStore(r, s.store, out.limit);
    readStore(r, s.negativeStore, out.limit);
    s.count = s.zeroCount + s.store.count + s.negativeStore.count;
    const empty = s.count === 0 && s.min === Infinity && s.max === -Infinity;
    const filled =
      s.count > 0 && Number.isFinite(s.min) && Number.isFinite(s.max) && s.min <= s.max;
    if (!(empty || filled)) {
      throw decodeError(`sketch of ${s.count} values has min ${s.min} and max ${s.max}`);
    }
    return out;
  }
}
