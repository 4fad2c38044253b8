/**
 * Sampling a stored instant/discrete series on the output grid. Each
 * sampler walks the points and the grid once (both ascend), so the cost is
 * O(points + grid) per series.
 */

type Points = readonly (readonly [number, number])[];
type Out = [number, number][];

/** Index of the first point with time ≥ t, starting the search at `from`. */
function firstAtOrAfter(points: Points, t: number, from: number): number {
  let i = from;
  while (i < points.length && (points[i] as readonly [number, number])[0] < t) i += 1;
  return i;
}

/**
 * The sample closest to each grid time, when it lies within one step of it
 * (either side); otherwise the grid time gets no point. On a tie the earlier
 * sample wins: it is the value that was known at the grid time.
 */
export function sampleNearest(points: Points, grid: readonly number[], stepMs: number): Out {
  const out: Out = [];
  let i = 0;
  for (const t of grid) {
    i = firstAtOrAfter(points, t, i);
    const before = points[i - 1];
    const after = points[i];
    const dBefore = before === undefined ? Infinity : t - before[0];
    const dAfter = after === undefined ? Infinity : after[0] - t;
    const best = dAfter < dBefore ? after : before;
    if (best !== undefined && Math.min(dBefore, dAfter) <= stepMs) out.push([t, best[1]]);
  }
  return out;
}

/**
 * Straight-line interpolation between the samples on either side of each
 * grid time (the sample itself when one falls on it). No point before the
 * first sample, after the last, or inside a gap longer than `maxGapMs`: a
 * host that stopped reporting is not drawn as a straight line.
 */
export function sampleLinear(points: Points, grid: readonly number[], maxGapMs: number): Out {
  const out: Out = [];
  let i = 0;
  for (const t of grid) {
    i = firstAtOrAfter(points, t, i);
    const after = points[i];
    if (after !== undefined && after[0] === t) {
      out.push([t, after[1]]);
      continue;
    }
    const before = points[i - 1];
    if (before === undefined || after === undefined) continue;
    const span = after[0] - before[0];
    if (span > maxGapMs) continue;
    out.push([t, before[1] + ((after[1] - before[1]) * (t - before[0])) / span]);
  }
  return out;
}

/**
 * The latest sample at or before each grid time, within `maxAgeMs`. Used
 * for `none` (maxAge = one step: the last value of each step, as stored)
 * and for discrete series under `linear` (maxAge = the gap limit): a
 * discrete value is a level that holds until it changes, and averaging two
 * states would invent a third.
 */
export function sampleHold(
  points: Points,
  grid: readonly number[],
  maxAgeMs: number,
  openStart: boolean,
): Out {
  const out: Out = [];
  let i = 0;
  for (const t of grid) {
    while (i < points.length && (points[i] as readonly [number, number])[0] <= t) i += 1;
    const last = points[i - 1];
    if (last === undefined) continue;
    const age = t - last[0];
    if (openStart ? age < maxAgeMs : age <= maxAgeMs) out.push([t, last[1]]);
  }
  return out;
}
