/**
 * The reducer vocabulary shared by the engine, config loaders and the wire:
 * kinds, specs, observations, results and the Reducer contract.
 */

/**
 * Every reducer kind. The position in this list is the kind's code in the
 * binary form, so the list is append-only: never reorder or remove a kind.
 */
export const REDUCER_KINDS = [
  'sum',
  'count',
  'min',
  'max',
  'average',
  'variance',
  'std_dev',
  'last',
  'sample',
  'unique',
  'hll_unique',
  'topk',
  'quantile',
] as const;
export type ReducerKind = (typeof REDUCER_KINDS)[number];

/** What a reducer computes and with which parameters. Unset parameters take the kind's default. */
export interface ReducerSpec {
  kind: ReducerKind;
  /** last: N newest values; sample: reservoir size; unique: cap on exact distinct values; topk: k (counters = 2k unless `counters`). */
  n?: number;
  /** topk: Space-Saving counters (≥ k). */
  counters?: number;
  /** hll_unique: register index bits p (4..16, default 14: 16 Ki registers, 0.81 % std error). */
  precision?: number;
  /** quantile: DDSketch relative accuracy alpha (0.001..0.5, default 0.01). */
  relativeAccuracy?: number;
  /** quantile: which quantiles to report (default [0.5, 0.9, 0.99]). */
  quantiles?: number[];
}

/**
 * What one observation carries: a number and/or a string. The numeric kinds
 * (sum, min, max, average, variance, std_dev, quantile) read `num`; unique,
 * hll_unique and topk count `str` (or the decimal form of `num` when there is
 * no string); last and sample keep `num ?? str`; count counts every
 * observation that carries anything. A non-finite `num` (NaN, ±Infinity) is
 * treated as absent everywhere: one NaN would otherwise poison a sum forever,
 * and an infinity has no DDSketch bucket.
 */
export interface Observation {
  num?: number;
  str?: string;
}

/** What `Reducer.result()` returns; the shape depends on the kind (see `createReducer`). */
export type ReducerResult = number | null | Record<string, unknown> | unknown[];

/** A mergeable summary of one observation stream for one key. */
export interface Reducer {
  /** The resolved spec: the kind's defaults are filled in. */
  readonly spec: Readonly<ReducerSpec>;
  add(o: Observation): void;
  /** Merge another partition's state into this one; throws SumStatsError CANOPY_ERR_SUMSTATS_MERGE if kind or parameters differ (name both). */
  merge(other: Reducer): void;
  result(): ReducerResult;
  /** Versioned binary form: [magic 'CSR', version u8, kind u8, params…, state…]. */
  encode(): Uint8Array;
  /** Approximate bytes held (for memory accounting). */
  bytes(): number;
}

/** A value kept by `last` and `sample`: the observation's `num ?? str`. */
export type KeptValue = number | string;

/** The number an observation contributes to the numeric kinds, or undefined. */
export function numberOf(o: Observation): number | undefined {
  const x = o.num;
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

/** The value `last` and `sample` keep: `num ?? str` (a non-finite num counts as absent). */
export function keptValueOf(o: Observation): KeptValue | undefined {
  const x = o.num;
  return x !== undefined && Number.isFinite(x) ? x : o.str;
}

/** The string unique, hll_unique and topk count: `str`, else the decimal form of `num`. */
export function keyOf(o: Observation): string | undefined {
  if (o.str !== undefined) return o.str;
  const x = o.num;
  return x !== undefined && Number.isFinite(x) ? String(x) : undefined;
}
