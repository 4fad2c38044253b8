/**
 * The exact scalar reducers: sum, count, average, min, max. Each merges to
 * exactly the state a single reducer over the whole stream would hold (sums
 * through ExactSum, so even float sums agree bit for bit).
 */
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';
import { ExactSum } from './exact-sum.js';
import { ReducerBase } from './reducer-base.js';
import { numberOf } from './spec.js';
import type { Observation, ReducerSpec } from './spec.js';

const SCALAR_BYTES = 48;

function readCount(r: ByteReader): number {
  return r.varuint('count');
}

function readSum(r: ByteReader): ExactSum {
  const n = r.count('sum partials', 8, 4096);
  const sum = new ExactSum();
  for (let i = 0; i < n; i++) sum.add(r.f64('sum partial'));
  return sum;
}

function writeSum(w: ByteWriter, sum: ExactSum): void {
  const parts = sum.parts();
  w.varuint(parts.length);
  for (const v of parts) w.f64(v);
}

/** sum: exact sum of the finite numbers; null when none was seen. */
export class SumReducer extends ReducerBase {
  protected n = 0;
  protected sum = new ExactSum();

  add(o: Observation): void {
    const x = numberOf(o);
    if (x === undefined) return;
    this.n++;
    this.sum.add(x);
  }

  protected mergeState(other: this): void {
    this.n += other.n;
    this.sum.addAll(other.sum);
  }

  result(): number | null {
    return this.n === 0 ? null : this.sum.value();
  }

  bytes(): number {
    return SCALAR_BYTES + this.sum.bytes();
  }

  protected writeState(w: ByteWriter): void {
    w.varuint(this.n);
    writeSum(w, this.sum);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): SumReducer {
    const out = new this(spec);
    out.n = readCount(r);
    out.sum = readSum(r);
    return out;
  }
}

/** average: exact sum / count, so it too is independent of partitioning; null when empty. */
export class AverageReducer extends SumReducer {
  override result(): number | null {
    return this.n === 0 ? null : this.sum.value() / this.n;
  }
}

/** count: observations carrying a finite number or a string. */
export class CountReducer extends ReducerBase {
  private n = 0;

  add(o: Observation): void {
    if (o.str !== undefined || numberOf(o) !== undefined) this.n++;
  }

  protected mergeState(other: this): void {
    this.n += other.n;
  }

  result(): number {
    return this.n;
  }

  bytes(): number {
    return SCALAR_BYTES;
  }

  protected writeState(w: ByteWriter): void {
    w.varuint(this.n);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): CountReducer {
    const out = new CountReducer(spec);
    out.n = readCount(r);
    return out;
  }
}

/** min: smallest finite number; null when none. −0 counts as 0 so the result does not depend on order. */
export class MinReducer extends ReducerBase {
  private v = Infinity;

  add(o: Observation): void {
    const x = numberOf(o);
    if (x !== undefined && x < this.v) this.v = x + 0;
  }

  protected mergeState(other: this): void {
    if (other.v < this.v) this.v = other.v;
  }

  result(): number | null {
    return this.v === Infinity ? null : this.v;
  }

  bytes(): number {
    return SCALAR_BYTES;
  }

  protected writeState(w: ByteWriter): void {
    w.f64(this.v);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): MinReducer {
    const out = new MinReducer(spec);
    const v = r.f64('min');
    if (!(Number.isFinite(v) || v === Infinity)) throw decodeError(`min ${v} is not finite`);
    out.v = v + 0;
    return out;
  }
}

/** max: largest finite number; null when none. −0 counts as 0. */
export class MaxReducer extends ReducerBase {
  private v = -Infinity;

  add(o: Observation): void {
    const x = numberOf(o);
    if (x !== undefined && x > this.v) this.v = x + 0;
  }

  protected mergeState(other: this): void {
    if (other.v > this.v) this.v = other.v;
  }

  result(): number | null {
    return this.v === -Infinity ? null : this.v;
  }

  bytes(): number {
    return SCALAR_BYTES;
  }

  protected writeState(w: ByteWriter): void {
    w.f64(this.v);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): MaxReducer {
    const out = new MaxReducer(spec);
    const v = r.f64('max');
    if (!(Number.isFinite(v) || v === -Infinity)) throw decodeError(`max ${v} is not finite`);
    out.v = v + 0;
    return out;
  }
}
