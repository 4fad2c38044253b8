import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';
import { keptValueBytes, readKeptValues, writeKeptValues } from './kept-values.js';
import { ReducerBase } from './reducer-base.js';
import { keptValueOf } from './spec.js';
import type { KeptValue, Observation, ReducerSpec } from './spec.js';

/** Remove and return a uniformly chosen element of `pool` (order is not kept). */
function takeRandom(pool: KeptValue[], random: () => number): KeptValue {
  const i = Math.floor(random() * pool.length);
  const v = pool[i]!;
  pool[i] = pool[pool.length - 1]!;
  pool.pop();
  return v;
}

/**
 * sample: a uniform random sample of n values (`num ?? str`) by reservoir
 * sampling (Vitter's Algorithm R). Unlike Zeek's sample, partitions merge
 * into a uniform sample of the union: the merged reservoir draws without
 * replacement from both reservoirs, choosing a side with probability
 * proportional to the observations that side has not yet contributed
 * (a sequential hypergeometric draw), so each of the seenA + seenB
 * observations is equally likely to be kept.
 */
export class SampleReducer extends ReducerBase {
  private readonly cap: number;
  private readonly random: () => number;
  private values: KeptValue[] = [];
  private seen = 0;

  constructor(spec: Readonly<ReducerSpec>, random: () => number) {
    super(spec);
    this.cap = spec.n!;
    this.random = random;
  }

  add(o: Observation): void {
    const v = keptValueOf(o);
    if (v === undefined) return;
    this.seen++;
    if (this.values.length < this.cap) {
      this.values.push(v);
      return;
    }
    const j = Math.floor(this.random() * this.seen);
    if (j < this.cap) this.values[j] = v;
  }

  protected mergeState(other: this): void {
    const total = this.seen + other.seen;
    const size = Math.min(this.cap, total);
    const a = this.values.slice();
    const b = other.values.slice();
    let restA = this.seen;
    let restB = other.seen;
    const out: KeptValue[] = [];
    // Each reservoir is a uniform sample of its side, so a uniform subset of
    // it is a uniform subset of that side; the side of each draw follows the
    // remaining (unsampled) population sizes. A side's pool cannot run dry
    // while its remaining weight is positive: it holds min(n, seen) values and
    // at most `size` ≤ n are drawn.
    while (out.length < size) {
      if (this.random() * (restA + restB) < restA) {
        out.push(takeRandom(a, this.random));
        restA--;
      } else {
        out.push(takeRandom(b, this.random));
        restB--;
      }
    }
    this.values = out;
    this.seen = total;
  }

  result(): { samples: KeptValue[]; seen: number } {
    return { samples: this.values.slice(), seen: this.seen };
  }

  bytes(): number {
    let total = 48 + 8 * this.values.length;
    for (const v of this.values) total += keptValueBytes(v);
    return total;
  }

  protected writeState(w: ByteWriter): void {
    w.varuint(this.seen);
    writeKeptValues(w, this.values);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader, random: () => number): SampleReducer {
    const out = new SampleReducer(spec, random);
    out.seen = r.varuint('seen');
    out.values = readKeptValues(r, spec.n!);
    if (out.values.length !== Math.min(spec.n!, out.seen)) {
      throw decodeError(`sample holds ${out.values.length} values of ${out.seen} seen`);
    }
    return out;
  }
}
