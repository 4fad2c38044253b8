import type { MetricDef, SetInstance } from '../model/index.js';
import { HOUR_DIR, MINUTE_DIR } from './archive-files.js';

/** The stores a query can read: raw samples, or one of the downsampled tiers. */
export const TIER_NAMES = ['raw', '1m', '1h'] as const;
export type TierName = (typeof TIER_NAMES)[number];
export type DownsampledTier = Exclude<TierName, 'raw'>;

/**
 * Per bucket and metric, a tier stores these fields as metrics of their own
 * (`m:min`, `m:max`, …). `last` is the last value of the bucket: a counter's
 * rate over buckets is the difference of consecutive `last` values divided
 * by the bucket (min and max would hide a reset; `last` does not).
 */
export const TIER_FIELDS = ['min', 'max', 'sum', 'count', 'last'] as const;
export type TierField = (typeof TIER_FIELDS)[number];
export const FIELD_COUNT = TIER_FIELDS.length;

/** How one downsampled tier is laid out. */
export interface TierSpec {
  readonly name: DownsampledTier;
  /** Directory of its segments. */
  readonly dir: string;
  readonly bucketMs: number;
  /** Sample time per segment file: the granularity of its retention. */
  readonly segmentMs: number;
  /**
   * Rows per chunk; chunks cover aligned spans of chunkRows buckets (an hour
   * of minutes: a 1 h query reads one or two chunks per set; a day of
   * hours). 120-minute chunks made the 1 h query slower (more to decode). A
   * crash loses the rows of open tier chunks; recovery rebuilds them from
   * the finer store, so this bounds that work too.
   */
  readonly chunkRows: number;
}

const DAY_MS = 86_400_000;

export const MINUTE_TIER: TierSpec = {
  name: '1m',
  dir: MINUTE_DIR,
  bucketMs: 60_000,
  segmentMs: DAY_MS,
  chunkRows: 60,
};

export const HOUR_TIER: TierSpec = {
  name: '1h',
  dir: HOUR_DIR,
  bucketMs: 3_600_000,
  segmentMs: 30 * DAY_MS,
  chunkRows: 24,
};

/** Name of a tier metric: the source metric's name, a colon, the field. */
export function tierMetricName(metric: string, field: TierField): string {
  return `${metric}:${field}`;
}

const derived = new WeakMap<SetInstance, TierLayout>();

/** A tier's set for one source set, and which source lanes feed it. */
export interface TierLayout {
  /** Same OUs, host, groups and kind (so the same key); FIELD_COUNT metrics per numeric metric. */
  readonly set: SetInstance;
  /** Source lane of each numeric metric, in order; string metrics are not downsampled. */
  readonly sourceLanes: Uint32Array;
}

/** The tier layout of a source set (undefined when it has no numeric metric); cached per object. */
export function tierLayout(set: SetInstance): TierLayout | undefined {
  const cached = derived.get(set);
  if (cached !== undefined) return cached;
  const lanes: number[] = [];
  const metrics: MetricDef[] = [];
  set.schema.metrics.forEach((m, i) => {
    if (m.type === 'string') return;
    lanes.push(i);
    for (const f of TIER_FIELDS) metrics.push(fieldDef(m, f));
  });
  if (lanes.length === 0) return undefined;
  const { schema, ...identity } = set;
  const layout: TierLayout = {
    set: { ...identity, schema: { name: schema.name, metrics } },
    sourceLanes: Uint32Array.from(lanes),
  };
  derived.set(set, layout);
  return layout;
}

function fieldDef(m: MetricDef, f: TierField): MetricDef {
  return {
    name: tierMetricName(m.name, f),
    type: 'f64',
    unit: f === 'count' ? '' : m.unit,
    // `last` of a counter stays a counter: the chunk encoder codes it against its trend.
    semantics: f === 'last' ? m.semantics : 'instant',
    // Empty: the name says it, and every tier segment's schemas record repeats it per set.
    description: '',
  };
}
