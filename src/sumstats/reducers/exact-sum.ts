/**
 * Exact floating-point summation (Shewchuk 1997, as Python's `math.fsum`).
 * The running sum is held as non-overlapping partials whose exact sum is the
 * exact sum of every input; `value()` rounds it once, correctly. Because the
 * rounded value depends only on the exact sum, the result is the same in any
 * order and under any partitioning: sum(A ∪ B) = merge(sum(A), sum(B)) bit
 * for bit, which plain `+=` cannot promise. Typical data keeps 1–3 partials,
 * so `add` stays a few additions.
 */
export class ExactSum {
  /** Non-overlapping partials in increasing magnitude; `n` are in use. */
  private p = new Float64Array(8);
  private n = 0;
  /** Set once an addition overflowed: the sum is then ±Infinity (or NaN), as plain addition would give. */
  private overflow = 0;

  add(v: number): void {
    if (this.overflow !== 0) {
      this.overflow += v;
      return;
    }
    let x = v;
    let i = 0;
    const p = this.p;
    for (let j = 0; j < this.n; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (!Number.isFinite(x)) {
      this.overflow = x;
      this.n = 0;
      return;
    }
    if (i === p.length) this.grow();
    this.p[i] = x;
    this.n = i + 1;
  }

  private grow(): void {
    const next = new Float64Array(this.p.length * 2);
    next.set(this.p);
    this.p = next;
  }

  /** Add the exact sum held by `other` (a merge). */
  addAll(other: ExactSum): void {
    if (other.overflow !== 0) this.add(other.overflow);
    // Copy first: `other` may be this.
    const parts = other.p.slice(0, other.n);
    for (const v of parts) this.add(v);
  }

  /** The exact sum rounded to the nearest double (ties to even). */
  value(): number {
    if (this.overflow !== 0) return this.overflow;
    const p = this.p;
    let n = this.n;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-even across partials: when the rest of the partials push the
    // same way as `lo`, the tie in `hi + lo` is not a tie.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }

  /** The partials, for encoding (their sum is exact). */
  parts(): number[] {
    const out = Array.from(this.p.subarray(0, this.n));
    if (this.overflow !== 0) out.push(this.overflow);
    return out;
  }

  /** Approximate bytes held. */
  bytes(): number {
    return 32 + this.p.byteLength;
  }
}
