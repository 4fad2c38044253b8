import type { MetricName, Selector, Semantics } from '../model/index.js';

/**
 * One stored series as the evaluator sees it, whatever holds it (the live
 * window, an archive, or both stitched together).
 */
export interface SeriesRef {
  /** Parsed name (ous, host, groups, metric, labels). */
  readonly name: MetricName;
  readonly unit: string;
  readonly semantics: Semantics;
  /** Raw points with fromMs ≤ t ≤ toMs, ascending by time. */
  read(fromMs: number, toMs: number): [number, number][];
}

/** Whatever can list the series a selector selects. */
export interface SeriesSource {
  select(selector: Selector): SeriesRef[];
}

/** How a plain instant/discrete selector is sampled on the step grid. */
export const INTERPOLATIONS = ['nearest', 'linear', 'none'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** Time range, grid and bounds of one evaluation. */
export interface EvaluateOptions {
  /** Start of the range (inclusive), epoch milliseconds. */
  readonly fromMs: number;
  /** End of the range (inclusive), epoch milliseconds. */
  readonly toMs: number;
  /**
   * Output grid spacing. Without it, plain selectors return raw points and
   * functions over time are evaluated at each raw sample's time.
   */
  readonly stepMs?: number | undefined;
  /** Sampling of instant/discrete series on the grid; default `nearest`. */
  readonly interpolation?: Interpolation | undefined;
  /**
   * A gap between two samples longer than this is missing data: no linear
   * interpolation across it and no counter delta over it (unless the window
   * is longer). Default max(5 min, 2 × stepMs).
   */
  readonly maxGapMs?: number | undefined;
  /** Points per output series; default 11,000. */
  readonly maxPoints?: number | undefined;
  /** Series per selector; default 10,000. */
  readonly maxSeries?: number | undefined;
  /** Samples read plus samples visited by windows; default 50,000,000. */
  readonly maxSamples?: number | undefined;
}

/**
 * One output series. `name` is the formatted metric name for a series that
 * keeps its identity (selectors, functions over time, topk, arithmetic) and
 * `<op> by (<keys>) {k="v",…}` (or just `<op>`) for an aggregate; see
 * docs/query.md for the scheme.
 */
export interface ResultSeries {
  name: string;
  labels: Record<string, string>;
  unit: string;
  points: [number, number][];
}
