import { MAX_SCALE, POW10, SCALED_LIMIT } from './stream-format.js';

/**
 * Decimal scaling: a double v is stored at scale k as the integer
 * s = round(v × 10^k) when s / 10^k gives back exactly v. Gauges with two
 * decimals (595.33) and integer counters then cost only the bits of their
 * change, where the XOR of their IEEE bits would cost 20 to 50.
 */

/**
 * The scaled integer of `v` at scale `k`, or NaN when it does not round-trip
 * (NaN, ±Inf, too many decimals, |s| ≥ 2^53) or `v` is -0, which would come
 * back as +0.
 */
export function scaleAt(v: number, k: number): number {
  if (k === 0) {
    if (nearestInteger(v) !== v || !(v > -SCALED_LIMIT && v < SCALED_LIMIT)) return NaN;
    return v !== 0 || 1 / v > 0 ? v : NaN;
  }
  const p = POW10[k]!;
  const s = nearestInteger(v * p);
  if (s / p !== v || !(s > -SCALED_LIMIT && s < SCALED_LIMIT)) return NaN;
  return v !== 0 || 1 / v > 0 ? s : NaN;
}

/**
 * An integer nearest to x (ties either way: a tie never round-trips, so the
 * caller's check rejects it anyway). Truncation on the int32 path: Math.round
 * costs V8 several ns per call.
 */
function nearestInteger(x: number): number {
  if (x > -1073741824 && x < 1073741824) return x >= 0 ? (x + 0.5) | 0 : -((0.5 - x) | 0);
  return Math.round(x);
}

/** Smallest scale at which `v` round-trips, or -1 (then XOR coding is used). */
export function smallestScale(v: number): number {
  if (!(v > -SCALED_LIMIT && v < SCALED_LIMIT)) return -1; // NaN, ±Inf, huge
  for (let k = 0; k <= MAX_SCALE; k++) {
    const s = scaleAt(v, k);
    if (s === s) return k; // not NaN
  }
  return -1;
}

/**
 * How many of the last `max` decimal digits of the scaled integer `s` are
 * zero: a stream whose every value has t such zeros can restart t scales lower.
 */
export function decimalTrailingZeros(s: number, max: number): number {
  let t = 0;
  let x = s;
  // Floor and multiply instead of `%`, which V8 runs as a slow fmod call on doubles.
  while (t < max) {
    const q = Math.floor(x / 10);
    if (q * 10 !== x) break;
    x = q;
    t++;
  }
  return t;
}
