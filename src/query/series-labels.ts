import { quoteLabelValue } from '../model/index.js';
import type { MetricName } from '../model/index.js';
import type { AggregateOp, GroupKey } from './ast.js';
import { groupKeyLabel, groupKeyText } from './ast.js';

/** Labels every selected series gets from its name; they win over name labels of the same key. */
export const NAME_LABELS = ['ou', 'host', 'metric'] as const;

/**
 * Labels of a selected series: `ou` (the OUs joined with `:`), `host`,
 * `metric` (groups and metric joined with `:`, e.g. `cpu:user`), then the
 * labels the name carries, except those shadowed by the three above.
 */
export function seriesLabels(name: MetricName): Record<string, string> {
  const derived: [string, string][] = [
    ['ou', name.ous.join(':')],
    ['host', name.host],
    ['metric', [...name.groups, name.metric].join(':')],
  ];
  const own = Object.entries(name.labels ?? {}).filter(
    ([k]) => !(NAME_LABELS as readonly string[]).includes(k),
  );
  // fromEntries defines own properties, so a label named `__proto__` stays a label.
  return Object.fromEntries([...derived, ...own]);
}

/** The value a series has for a group key; a missing label reads as '' (as in PromQL). */
export function groupKeyValue(key: GroupKey, labels: Readonly<Record<string, string>>): string {
  const value = Object.hasOwn(labels, groupKeyLabel(key)) ? (labels[groupKeyLabel(key)] ?? '') : '';
  if (key.kind !== 'ou' || key.depth === undefined) return value;
  // OU tokens cannot contain ':', so splitting the joined label is exact.
  return value.split(':').slice(0, key.depth).join(':');
}

/**
 * Name of an aggregate series: `sum` without grouping, else
 * `sum by (ou:1, host) {ou="Lab",host="n1"}` — the operator, the keys as
 * written, and the group's labels in key order with Prometheus quoting.
 */
export function aggregateName(
  op: AggregateOp,
  by: readonly GroupKey[],
  labels: Readonly<Record<string, string>>,
): string {
  if (by.length === 0) return op;
  const terms = by.map((k) => {
    const label = groupKeyLabel(k);
    return `${label}=${quoteLabelValue(labels[label] ?? '')}`;
  });
  return `${op} by (${by.map(groupKeyText).join(', ')}) {${terms.join(',')}}`;
}
