import type { RankExpr } from './ast.js';
import type { ResultSeries } from './types.js';

/** Average of the non-NaN values, or NaN when there is none. */
function average(points: readonly (readonly [number, number])[]): number {
  let sum = 0;
  let n = 0;
  for (const [, v] of points) {
    if (Number.isNaN(v)) continue;
    sum += v;
    n += 1;
  }
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * `topk(k, x)` / `bottomk(k, x)`: keep the k whole series with the highest
 * (lowest) average over the range, in rank order. Ranking whole series by
 * their average, rather than per step as PromQL does, keeps each line of a
 * graph complete and does not let one spike pick a series. Ties go to the
 * smaller name; series without a number to rank (no points, or only NaN)
 * come last; series without points are never returned.
 */
export function rank(node: RankExpr, input: readonly ResultSeries[]): ResultSeries[] {
  // -1 puts the higher score first (topk), 1 the lower (bottomk).
  const higherFirst = node.op === 'topk' ? -1 : 1;
  const scored = input
    .filter((s) => s.points.length > 0)
    .map((s) => ({ s, score: average(s.points) }));
  scored.sort((a, b) => {
    const aNaN = Number.isNaN(a.score);
    const bNaN = Number.isNaN(b.score);
    if (aNaN !== bNaN) return aNaN ? 1 : -1;
    if (!aNaN && a.score !== b.score) return a.score > b.score ? higherFirst : -higherFirst;
    return a.s.name < b.s.name ? -1 : a.s.name > b.s.name ? 1 : 0;
  });
  return scored.slice(0, node.k).map(({ s }) => s);
}
