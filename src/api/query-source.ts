import type { Selector } from '../model/index.js';

/** One metric's latest value. */
export interface LatestPointView {
  name: string;
  timestampMs: number;
  value: number | string;
  unit: string;
  type: string;
  semantics: string;
}

/** One series' points over a range. */
export interface RangeSeriesView {
  name: string;
  unit: string;
  semantics: string;
  points: [number, number][];
}

/**
 * What the HTTP API needs from whatever holds the data (an aggregator today;
 * the archive and the tree router later). Kept narrow so the API does not
 * depend on the daemons.
 */
export interface QuerySource {
  latest(selector: Selector, limit: number): LatestPointView[];
  range(selector: Selector, fromMs: number, toMs: number, limit: number): RangeSeriesView[];
  tree(): unknown;
  status(): unknown;
}
