import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';
import { ReducerBase } from './reducer-base.js';
import { numberOf } from './spec.js';
import type { Observation, ReducerSpec } from './spec.js';

/**
 * variance and std_dev: the *population* variance (divide by n, not n − 1;
 * Zeek divides by n − 1), so one observation has variance 0 and the value
 * answers "how spread are the observations we saw" rather than estimating a
 * wider population. Welford's update keeps the mean and the sum of squared
 * deviations (M2) without the cancellation of Σx² − (Σx)²/n; partitions merge
 * with Chan, Golub & LeVeque's pairwise formula, which agrees with the
 * single-stream value to rounding (~1e-15 relative), not bit for bit.
 */
export class VarianceReducer extends ReducerBase {
  private n = 0;
  private mean = 0;
  private m2 = 0;

  add(o: Observation): void {
    const x = numberOf(o);
    if (x === undefined) return;
    const n = ++this.n;
    const delta = x - this.mean;
    this.mean += delta / n;
    this.m2 += delta * (x - this.mean);
  }

  protected mergeState(other: this): void {
    if (other.n === 0) return;
    if (this.n === 0) {
      this.n = other.n;
      this.mean = other.mean;
      this.m2 = other.m2;
      return;
    }
    const n = this.n + other.n;
    const delta = other.mean - this.mean;
    this.mean += (delta * other.n) / n;
    this.m2 += other.m2 + ((delta * delta * this.n) / n) * other.n;
    this.n = n;
  }

  /** The population variance, or null when no number was seen. */
  variance(): number | null {
    return this.n === 0 ? null : Math.max(0, this.m2 / this.n);
  }

  result(): number | null {
    const v = this.variance();
    return v === null || this.spec.kind === 'variance' ? v : Math.sqrt(v);
  }

  bytes(): number {
    return 56;
  }

  protected writeState(w: ByteWriter): void {
    w.varuint(this.n);
    w.f64(this.mean);
    w.f64(this.m2);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): VarianceReducer {
    const out = new VarianceReducer(spec);
    out.n = r.varuint('count');
    out.mean = r.f64('mean');
    out.m2 = r.f64('m2');
    // Overflowed states (±Infinity, NaN) are legitimate; a negative M2, or
    // moments without observations, are not.
    if (out.m2 < 0 || (out.n === 0 && (out.mean !== 0 || out.m2 !== 0))) {
      throw decodeError(`variance state mean=${out.mean} m2=${out.m2} is impossible`);
    }
    return out;
  }
}
