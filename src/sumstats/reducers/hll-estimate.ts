/**
 * Ertl's improved HyperLogLog estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", 2017, algorithm 6). It works from the
 * register histogram alone and is unbiased over the whole range, from empty
 * to far beyond m, so it needs neither the empirical bias tables of HLL++ nor
 * the switch to linear counting (whose hand-over point is where the classic
 * estimator errs most).
 */

const ALPHA_INF = 1 / (2 * Math.LN2);

/** σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k−1), for the share of zero registers. */
function sigma(x0: number): number {
  if (x0 === 1) return Infinity;
  let x = x0;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const zPrev = z;
    z += x * y;
    y += y;
    if (z === zPrev) return z;
  }
}

/** τ(x) = (1 − x − Σ_{k≥1} (1 − x^(2^−k))²·2^−k) / 3, for the share of saturated registers. */
function tau(x0: number): number {
  if (x0 === 0 || x0 === 1) return 0;
  let x = x0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const zPrev = z;
    y *= 0.5;
    z -= (1 - x) * (1 - x) * y;
    if (z === zPrev) return z / 3;
  }
}

/**
 * Cardinality estimate from a register histogram: `hist[r]` is the number of
 * registers holding r, for r in 0..q+1, where m = 2^p registers and q = 64 − p
 * hash bits feed the ranks.
 */
export function estimateCardinality(hist: ArrayLike<number>, m: number, q: number): number {
  let z = m * tau((m - hist[q + 1]!) / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + hist[k]!);
  z += m * sigma(hist[0]! / m);
  return (ALPHA_INF * m * m) / z;
}

/** The relative standard error of an m-register HyperLogLog. */
export function hllStdError(m: number): number {
  return 1.04 / Math.sqrt(m);
}
