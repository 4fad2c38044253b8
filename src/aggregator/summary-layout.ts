import type { MetricDef, SetInstance, SetSchema } from '../model/index.js';
import { MODEL_LIMITS, metric } from '../model/index.js';

/**
 * The four metrics a summary set carries per numeric metric `m` of the
 * original schema, in this order: `m:count`, `m:sum`, `m:min`, `m:max`.
 */
export const SUMMARY_SUFFIXES = ['count', 'sum', 'min', 'max'] as const;
export type SummarySuffix = (typeof SUMMARY_SUFFIXES)[number];

/** Group token and schema name of the per-OU hosts up/down set. Reserved. */
export const HOSTS_GROUP = '_hosts';

/** Schema of the per-OU hosts up/down set. */
export const HOSTS_SCHEMA: SetSchema = {
  name: HOSTS_GROUP,
  metrics: [
    metric('up', 'u64', 'instant', 'hosts', 'hosts of the OU that reported recently'),
    metric('down', 'u64', 'instant', 'hosts', 'hosts of the OU that stopped reporting'),
  ],
};

/** Indices of the metrics of `schema` a summary covers: every numeric one (strings do not reduce). */
export function numericIndices(schema: SetSchema): number[] {
  const out: number[] = [];
  schema.metrics.forEach((m, i) => {
    if (m.type !== 'string') out.push(i);
  });
  return out;
}

function summaryMetrics(m: MetricDef): MetricDef[] {
  return [
    metric(`${m.name}:count`, 'u64', 'instant', '', `hosts that reported ${m.name}`),
    metric(`${m.name}:sum`, 'f64', m.semantics, m.unit, `sum of ${m.name} over the hosts`),
    metric(`${m.name}:min`, 'f64', m.semantics, m.unit, `minimum of ${m.name} over the hosts`),
    metric(`${m.name}:max`, 'f64', m.semantics, m.unit, `maximum of ${m.name} over the hosts`),
  ];
}

/**
 * The summary schema of `schema` over the metrics at `indices`: same name,
 * four metrics per summarised metric. Undefined when there is nothing to
 * summarise or the result would exceed the per-set metric limit (a schema of
 * more than 16383 numeric metrics), so such sets are skipped, not truncated.
 */
export function summarySchema(
  schema: SetSchema,
  indices: readonly number[],
): SetSchema | undefined {
  const size = indices.length * SUMMARY_SUFFIXES.length;
  if (size === 0 || size > MODEL_LIMITS.maxMetricsPerSet) return undefined;
  return {
    name: schema.name,
    metrics: indices.flatMap((i) => summaryMetrics(schema.metrics[i] as MetricDef)),
  };
}

/** One summarised metric of a summary set: its name in the original schema and its four slots. */
export interface SummaryEntry {
  /** The original metric name relative to the set, e.g. `user` or `cpu0:user`. */
  readonly name: string;
  readonly unit: string;
  readonly semantics: string;
  readonly slots: Readonly<Record<SummarySuffix, number>>;
}

function splitSuffix(name: string): { base: string; suffix: SummarySuffix } | undefined {
  const at = name.lastIndexOf(':');
  if (at <= 0) return undefined;
  const suffix = name.slice(at + 1);
  if (!(SUMMARY_SUFFIXES as readonly string[]).includes(suffix)) return undefined;
  return { base: name.slice(0, at), suffix: suffix as SummarySuffix };
}

/**
 * Recombine the `m:count/sum/min/max` metrics of a summary schema into one
 * entry per `m`, in schema order. Metrics missing any of the four slots are
 * left out, so a malformed set yields fewer entries rather than wrong ones.
 */
export function readSummaryLayout(schema: SetSchema): SummaryEntry[] {
  const partial = new Map<
    string,
    { def?: MetricDef; slots: Partial<Record<SummarySuffix, number>> }
  >();
  schema.metrics.forEach((m, i) => {
    const parts = splitSuffix(m.name);
    if (parts === undefined) return;
    let entry = partial.get(parts.base);
    if (entry === undefined) {
      entry = { slots: {} };
      partial.set(parts.base, entry);
    }
    entry.slots[parts.suffix] = i;
    if (parts.suffix === 'sum') entry.def = m;
  });
  const out: SummaryEntry[] = [];
  for (const [name, { def, slots }] of partial) {
    const { count, sum, min, max } = slots;
    if (def === undefined || count === undefined || sum === undefined) continue;
    if (min === undefined || max === undefined) continue;
    out.push({ name, unit: def.unit, semantics: def.semantics, slots: { count, sum, min, max } });
  }
  return out;
}

/** True for the per-OU hosts up/down set rather than a metric summary. */
export function isHostsSet(set: SetInstance): boolean {
  return (
    set.kind === 'summary' &&
    set.schema.name === HOSTS_GROUP &&
    set.groups.length === 1 &&
    set.groups[0] === HOSTS_GROUP
  );
}
