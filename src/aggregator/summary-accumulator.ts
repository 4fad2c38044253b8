/**
 * Running count, sum, min and max of k metrics over the hosts of one
 * summary bucket. NaN values (a metric a host could not read) are not
 * counted, so each metric keeps its own count.
 */
export class SummaryAccumulator {
  readonly #indices: readonly number[];
  readonly #count: Float64Array;
  readonly #sum: Float64Array;
  readonly #min: Float64Array;
  readonly #max: Float64Array;

  /** `indices` are the positions, in a host sample's values, of the metrics to reduce. */
  constructor(indices: readonly number[]) {
    const k = indices.length;
    this.#indices = indices;
    this.#count = new Float64Array(k);
    this.#sum = new Float64Array(k);
    this.#min = new Float64Array(k).fill(Infinity);
    this.#max = new Float64Array(k).fill(-Infinity);
  }

  /** Fold in one host's sample values. */
  add(values: Float64Array): void {
    const idx = this.#indices;
    for (let j = 0; j < idx.length; j++) {
      const v = values[idx[j] as number] as number;
      if (Number.isNaN(v)) continue;
      this.#count[j]! += 1;
      this.#sum[j]! += v;
      if (v < this.#min[j]!) this.#min[j] = v;
      if (v > this.#max[j]!) this.#max[j] = v;
    }
  }

  /**
   * Values in summary-schema order (`count, sum, min, max` per metric). A
   * metric no host reported has count 0, sum 0 and NaN min/max.
   */
  values(): Float64Array {
    const k = this.#indices.length;
    const out = new Float64Array(k * 4);
    for (let j = 0; j < k; j++) {
      const empty = this.#count[j] === 0;
      out[j * 4] = this.#count[j]!;
      out[j * 4 + 1] = this.#sum[j]!;
      out[j * 4 + 2] = empty ? NaN : this.#min[j]!;
      out[j * 4 + 3] = empty ? NaN : this.#max[j]!;
    }
    return out;
  }
}
