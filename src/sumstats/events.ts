import type { ReducerResult } from './reducers/index.js';

/**
 * One observation fed to the engine. `num` and/or `str` is what the reducers
 * see; `key` is what results are grouped by (normalised per reducer);
 * `host` names the source host, for `key: 'host'`. The engine never keeps
 * the object, so a caller may reuse one event for many calls.
 */
export interface ObservationEvent {
  stream: string;
  key: string;
  host?: string;
  num?: number;
  str?: string;
  timeMs: number;
}

/** A threshold (or one step of a series) crossed by a key in an epoch. */
export interface ThresholdCrossing {
  sumstat: string;
  key: string;
  /** The watched value when the crossing was seen. */
  value: number;
  /** The threshold or series step crossed. */
  threshold: number;
  /** Index of the step in the series (0 for a single threshold). */
  index: number;
  epochStartMs: number;
  atMs: number;
  /** True when seen on merged (cluster-wide) results, false on this node's own. */
  global: boolean;
}

/** The results of every key of a sumstat at the end of an epoch. */
export interface EpochResult {
  sumstat: string;
  epochStartMs: number;
  epochEndMs: number;
  /** Per key, per reducer name. A reducer that saw nothing for a key gives its empty result. */
  keys: Map<string, Record<string, ReducerResult>>;
  /** False when some node's part is missing (set by the distribution layer; always true locally). */
  complete: boolean;
  /** Nodes whose part is missing (distribution layer). */
  missing: string[];
}

/** An epoch result as plain JSON (webhooks, commands, the API), with a cap on keys. */
export interface EpochResultJson {
  sumstat: string;
  epochStartMs: number;
  epochEndMs: number;
  complete: boolean;
  missing: string[];
  /** Keys in the result; `keys` holds the first `maxKeys` of them. */
  totalKeys: number;
  truncated: boolean;
  keys: Record<string, Record<string, ReducerResult>>;
}

/** What actions send: a crossing or an epoch result, tagged. */
export type SumStatsEvent =
  { type: 'crossing'; crossing: ThresholdCrossing } | { type: 'epoch'; epoch: EpochResultJson };

/**
 * Convert an epoch result to JSON-ready form. An epoch of a million keys
 * would make a webhook body of hundreds of megabytes, so only the first
 * `maxKeys` are kept and `truncated` says so.
 */
export function epochResultToJson(r: EpochResult, maxKeys = 10_000): EpochResultJson {
  const keys: Record<string, Record<string, ReducerResult>> = Object.create(null) as Record<
    string,
    Record<string, ReducerResult>
  >;
  let n = 0;
  for (const [key, results] of r.keys) {
    if (n++ >= maxKeys) break;
    keys[key] = results;
  }
  return {
    sumstat: r.sumstat,
    epochStartMs: r.epochStartMs,
    epochEndMs: r.epochEndMs,
    complete: r.complete,
    missing: [...r.missing],
    totalKeys: r.keys.size,
    truncated: r.keys.size > maxKeys,
    keys,
  };
}
