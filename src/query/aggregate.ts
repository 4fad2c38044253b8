import type { AggregateExpr, AggregateOp } from './ast.js';
import { groupKeyLabel } from './ast.js';
import { aggregateName, groupKeyValue } from './series-labels.js';
import type { ResultSeries } from './types.js';

interface Acc {
  sum: number;
  count: number;
  min: number;
  max: number;
}

interface Group {
  readonly labels: Record<string, string>;
  readonly members: ResultSeries[];
}

function finish(op: AggregateOp, acc: Acc): number {
  switch (op) {
    case 'sum':
      return acc.sum;
    case 'avg':
      return acc.sum / acc.count;
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'count':
      return acc.count;
  }
}

/**
 * Combine members point by point: at each timestamp where at least one
 * member has a point, over the members that have one there. With a step
 * every member is on the same grid; without one the timestamps are the
 * union of the members' raw timestamps (sets of different hosts are stamped
 * on the same slots by the samplers' interval + offset, so they line up).
 */
function combine(op: AggregateOp, members: readonly ResultSeries[]): [number, number][] {
  const byTime = new Map<number, Acc>();
  for (const s of members) {
    for (const [t, v] of s.points) {
      const acc = byTime.get(t);
      if (acc === undefined) {
        byTime.set(t, { sum: v, count: 1, min: v, max: v });
        continue;
      }
      acc.sum += v;
      acc.count += 1;
      if (v < acc.min) acc.min = v;
      if (v > acc.max) acc.max = v;
    }
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([t, acc]) => [t, finish(op, acc)]);
}

function commonUnit(op: AggregateOp, members: readonly ResultSeries[]): string {
  if (op === 'count') return '';
  const first = members[0]?.unit ?? '';
  return members.every((m) => m.unit === first) ? first : '';
}

/** `sum by (ou) (x)` and friends: one output series per group, sorted by name. */
export function aggregate(node: AggregateExpr, input: readonly ResultSeries[]): ResultSeries[] {
  const groups = new Map<string, Group>();
  for (const s of input) {
    if (s.points.length === 0) continue;
    const entries = node.by.map((k) => [groupKeyLabel(k), groupKeyValue(k, s.labels)] as const);
    const key = JSON.stringify(entries.map(([, v]) => v));
    let group = groups.get(key);
    if (group === undefined) {
      group = { labels: Object.fromEntries(entries), members: [] };
      groups.set(key, group);
    }
    group.members.push(s);
  }
  const out = [...groups.values()].map((g) => ({
    name: aggregateName(node.op, node.by, g.labels),
    labels: g.labels,
    unit: commonUnit(node.op, g.members),
    points: combine(node.op, g.members),
  }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
