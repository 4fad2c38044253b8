import type { LatestPoint, RangeSeries, Selector } from '../model/index.js';

/**
 * What the HTTP API needs from whatever holds the data (an aggregator today;
 * the archive and the tree router later). Kept narrow so the API does not
 * depend on the daemons.
 */
export interface QuerySource {
  latest(selector: Selector, limit: number): LatestPoint[];
  range(selector: Selector, fromMs: number, toMs: number, limit: number): RangeSeries[];
  tree(): unknown;
  status(): unknown;
}
