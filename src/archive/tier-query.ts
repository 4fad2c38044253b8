import type { ArchiveCatalog } from './catalog.js';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import type { SeriesQuery } from './series-query.js';
import { TIER_FIELDS, tierMetricName } from './tier-schema.js';
import type { TierName } from './tier-schema.js';

/**
 * One bucket of a series: its start, and min, max, mean, number and last of
 * the values in it. From the raw store every sample is a bucket of one
 * (count 0 and NaN statistics for a NaN value).
 */
export interface TierPoint {
  readonly t: number;
  readonly min: number;
  readonly max: number;
  readonly avg: number;
  readonly count: number;
  readonly last: number;
}

/** The catalogs and queries of the three stores, as the writer and reader hold them. */
export interface TierSources {
  readonly raw: { readonly catalog: ArchiveCatalog; readonly query: SeriesQuery };
  readonly tier: (
    t: Exclude<TierName, 'raw'>,
  ) => { readonly catalog: ArchiveCatalog; readonly query: SeriesQuery } | undefined;
}

/** Sources over one query object: the raw catalog and, per tier, its catalog (if kept). */
export function sourcesOf(
  raw: ArchiveCatalog,
  query: SeriesQuery,
  tier: (t: Exclude<TierName, 'raw'>) => ArchiveCatalog | undefined,
): TierSources {
  return {
    raw: { catalog: raw, query },
    tier: (t) => {
      const catalog = tier(t);
      return catalog === undefined ? undefined : { catalog, query };
    },
  };
}

/**
 * Buckets of a metric of set `key` with fromMs ≤ t ≤ toMs, oldest first.
 * `metric` is a name, or an index in the set's latest raw schema (raw data
 * of the set must then still exist: after raw retention, use the name).
 */
export function rangeTier(
  src: TierSources,
  key: string,
  metric: number | string,
  fromMs: number,
  toMs: number,
  tier: TierName,
): TierPoint[] {
  const rawTl = src.raw.catalog.timelines.get(key);
  const name = typeof metric === 'string' ? metric : indexedName(key, rawTl?.latest?.set, metric);
  if (tier === 'raw') {
    if (rawTl === undefined) return [];
    const lane = rawTl.latest?.lanes.get(name);
    if (lane === undefined) return [];
    return src.raw.query.range(rawTl, lane, fromMs, toMs).map(([t, v]) => rawPoint(t, v));
  }
  const store = src.tier(tier);
  const tl = store?.catalog.timelines.get(key);
  if (store === undefined || tl === undefined) return [];
  const names = TIER_FIELDS.map((f) => tierMetricName(name, f));
  const { t, cols } = store.query.columns(tl, names, fromMs, toMs);
  const [min, max, sum, count, last] = cols as [number[], number[], number[], number[], number[]];
  const out: TierPoint[] = new Array<TierPoint>(t.length);
  for (let j = 0; j < t.length; j++) {
    const c = count[j]!;
    out[j] = {
      t: t[j]!,
      min: min[j]!,
      max: max[j]!,
      avg: c > 0 ? sum[j]! / c : NaN,
      count: c,
      last: last[j]!,
    };
  }
  return out;
}

function rawPoint(t: number, v: number): TierPoint {
  const c = Number.isNaN(v) ? 0 : 1;
  return { t, min: v, max: v, avg: v, count: c, last: v };
}

function indexedName(
  key: string,
  set: { readonly schema: { readonly metrics: readonly { readonly name: string }[] } } | undefined,
  metric: number,
): string {
  const m = set?.schema.metrics[metric];
  if (m === undefined || !Number.isInteger(metric)) {
    throw new ArchiveError(
      ARCHIVE_ERROR_CODES.invalidArgument,
      `${key}: no metric at index ${metric} in the latest raw schema (name the metric instead)`,
    );
  }
  return m.name;
}
