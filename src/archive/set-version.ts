import { schemaDigest, setInstanceKey } from '../model/index.js';
import type { SetInstance } from '../model/index.js';

/**
 * One layout of one set: a set key (OUs, host, groups) with one schema. When
 * a set's schema changes (a disk appears) the key gets a new version; a
 * series is the key plus a metric name, so it continues across versions.
 */
export interface SetVersion {
  readonly key: string;
  readonly set: SetInstance;
  /** schemaDigest of the set's schema. */
  readonly digest: string;
  /** Lane (metric index) of each metric name. */
  readonly lanes: ReadonlyMap<string, number>;
  /** Lanes of string metrics, in schema order. */
  readonly stringLanes: readonly number[];
  /** Lanes of counter metrics: the chunk encoder may store them against a trend. */
  readonly counterLanes: Uint32Array;
}

/** Describe a set instance (its key and digest computed once). */
export function makeVersion(
  set: SetInstance,
  key = setInstanceKey(set),
  digest = schemaDigest(set.schema),
): SetVersion {
  const lanes = new Map<string, number>();
  const stringLanes: number[] = [];
  const counters: number[] = [];
  set.schema.metrics.forEach((m, i) => {
    lanes.set(m.name, i);
    if (m.type === 'string') stringLanes.push(i);
    else if (m.semantics === 'counter') counters.push(i);
  });
  return { key, set, digest, lanes, stringLanes, counterLanes: Uint32Array.from(counters) };
}
