import type { RangeFunction } from './ast.js';

type Points = readonly (readonly [number, number])[];

/** How one window of one series is evaluated. */
export interface WindowSpec {
  readonly fn: RangeFunction;
  /** Window length: the window of time t is (t - windowMs, t]. */
  readonly windowMs: number;
  /** Longest gap a delta may span (longer ones are a data gap and count for nothing). */
  readonly maxSpanMs: number;
  /** Counter semantics: a drop is a restart from 0. */
  readonly counter: boolean;
}

const DELTA_FNS: readonly RangeFunction[] = ['rate', 'irate', 'increase', 'delta'];

/** True for the functions that look at deltas between consecutive samples. */
export function usesDeltas(fn: RangeFunction): boolean {
  return DELTA_FNS.includes(fn);
}

function overTime(fn: RangeFunction, points: Points, lo: number, hi: number): number {
  if (fn === 'count_over_time') return hi - lo;
  if (fn === 'last_over_time') return (points[hi - 1] as readonly [number, number])[1];
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = lo; i < hi; i += 1) {
    const v = (points[i] as readonly [number, number])[1];
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (fn === 'min_over_time') return min;
  if (fn === 'max_over_time') return max;
  return fn === 'sum_over_time' ? sum : sum / (hi - lo);
}

/**
 * The deltas whose *later* sample lies in the window (points lo … hi-1);
 * the earlier sample may lie before the window, so a window holding one
 * sample still has a delta. Each delta thus belongs to exactly one window of
 * a grid whose windows tile time, and increases over adjacent windows add
 * up to the increase over their union — no extrapolation as in Prometheus.
 */
function overDeltas(spec: WindowSpec, points: Points, lo: number, hi: number): number | undefined {
  let sum = 0;
  let span = 0;
  let lastRate: number | undefined;
  for (let i = Math.max(lo, 1); i < hi; i += 1) {
    const [t0, v0] = points[i - 1] as readonly [number, number];
    const [t1, v1] = points[i] as readonly [number, number];
    const dt = t1 - t0;
    if (dt <= 0 || dt > spec.maxSpanMs) continue;
    const reset = spec.counter && spec.fn !== 'delta' && v1 < v0;
    const d = reset ? v1 : v1 - v0;
    sum += d;
    span += dt;
    lastRate = (d * 1000) / dt;
  }
  if (span === 0) return undefined;
  if (spec.fn === 'irate') return lastRate;
  return spec.fn === 'rate' ? (sum * 1000) / span : sum;
}

/**
 * Evaluate a function over time at each of `times` (ascending); times whose
 * window yields nothing get no point. `charge` is told how many samples each
 * window visits *before* it is evaluated, so the work budget stops a query
 * with huge overlapping windows early.
 */
export function evalWindows(
  spec: WindowSpec,
  points: Points,
  times: readonly number[],
  charge: (samples: number) => void,
): [number, number][] {
  const out: [number, number][] = [];
  const deltas = usesDeltas(spec.fn);
  let lo = 0;
  let hi = 0;
  for (const t of times) {
    while (hi < points.length && (points[hi] as readonly [number, number])[0] <= t) hi += 1;
    while (lo < hi && (points[lo] as readonly [number, number])[0] <= t - spec.windowMs) lo += 1;
    charge(hi - lo + 1);
    if (deltas) {
      const v = overDeltas(spec, points, lo, hi);
      if (v !== undefined) out.push([t, v]);
    } else if (hi > lo) {
      out.push([t, overTime(spec.fn, points, lo, hi)]);
    }
  }
  return out;
}
