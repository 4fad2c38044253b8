/** One metric's latest value, as queries return it. */
export interface LatestPoint {
  name: string;
  timestampMs: number;
  value: number | string;
  unit: string;
  type: string;
  semantics: string;
}

/** One numeric series' points over a time range, oldest first, as `[timestampMs, value]`. */
export interface RangeSeries {
  name: string;
  unit: string;
  semantics: string;
  points: [number, number][];
}
