import type { MetricName, Selector, SetInstance } from '../model/index.js';
import type { LiveSet } from './live-set.js';
import { isHostsSet, readSummaryLayout } from './summary-layout.js';
import type { SummaryEntry } from './summary-layout.js';
import { anyHostSelector } from './summary-selector.js';
import { SummaryCollector } from './summary-series.js';
import type { SeriesCells, SummarySeries } from './summary-series.js';

export type { SummaryPoint, SummarySeries } from './summary-series.js';

/**
 * The OU an answer is grouped under: the first `depth` OU tokens (at least
 * one), or the whole path when `depth` is not given.
 */
function ouAt(ous: readonly string[], depth: number | undefined): string {
  if (depth === undefined) return ous.join(':');
  return ous.slice(0, Math.max(1, Math.floor(depth))).join(':');
}

/**
 * OU-level count/sum/min/max/avg computed from host data (a node answering
 * for the hosts it holds). Every numeric host metric the selector matches,
 * by its real name, contributes its points in `[fromMs, toMs]`, grouped by
 * OU (cut to `depth` tokens) and timestamp. NaN values are not counted.
 */
export function summarizeHosts(
  sets: Iterable<LiveSet>,
  selector: Selector,
  fromMs: number,
  toMs: number,
  depth?: number,
): SummarySeries[] {
  const out = new SummaryCollector();
  for (const s of sets) {
    const set = s.set;
    // Summary sets have their own path (summarizeSummaries); never read them as hosts.
    if (set.kind !== undefined || !selector.matchesSetPrefix(set.ous, set.host, set.groups))
      continue;
    const ou = ouAt(set.ous, depth);
    set.schema.metrics.forEach((m, i) => {
      if (m.type === 'string' || !s.matches(selector, i)) return;
      const metric = s.templates[i]!.path;
      const cells = out.series(ou, metric, m.unit, m.semantics);
      for (const [t, v] of s.range(i, fromMs, toMs)) SummaryCollector.addValue(cells, t, v);
    });
  }
  return out.result();
}

/** A summarised metric of a summary set, with the name its host metrics have (host aside). */
interface SummaryMetric {
  readonly entry: SummaryEntry;
  readonly name: MetricName;
  /** `group:…:metric` below the host. */
  readonly path: string;
}

const layouts = new WeakMap<SetInstance, SummaryMetric[]>();

function summaryMetrics(set: SetInstance): SummaryMetric[] {
  let metrics = layouts.get(set);
  if (metrics !== undefined) return metrics;
  metrics = readSummaryLayout(set.schema).map((entry) => {
    const parts = entry.name.split(':');
    const metric = parts.pop() as string;
    const name = { ous: set.ous, host: set.host, groups: [...set.groups, ...parts], metric };
    return { entry, name, path: [...set.groups, entry.name].join(':') };
  });
  layouts.set(set, metrics);
  return metrics;
}

function addSummaryPoints(
  cells: SeriesCells,
  s: LiveSet,
  m: SummaryMetric,
  range: readonly [number, number],
): void {
  const { count, sum, min, max } = m.entry.slots;
  const [counts, sums, mins, maxs] = [count, sum, min, max].map((i) => s.range(i, ...range));
  counts?.forEach(([t, n], k) => {
    // The four metrics share the set's timestamps; check rather than trust the alignment.
    const at = (series: [number, number][] | undefined): number =>
      series?.[k]?.[0] === t ? (series[k]?.[1] ?? NaN) : NaN;
    SummaryCollector.add(cells, t, { count: n, sum: at(sums), min: at(mins), max: at(maxs) });
  });
}

/**
 * The same answer as {@link summarizeHosts}, from the summary sets an upper
 * node stores. The selector's host token is ignored (a summary set's host is
 * the delegate that holds the detail); its OUs, groups and metric are matched
 * against the host metric each `m:count/sum/min/max` quadruple summarises.
 * Summaries of several delegates or child OUs merge exactly.
 */
export function summarizeSummaries(
  sets: Iterable<LiveSet>,
  selector: Selector,
  fromMs: number,
  toMs: number,
  depth?: number,
): SummarySeries[] {
  const sel = anyHostSelector(selector);
  const out = new SummaryCollector();
  for (const s of sets) {
    const set = s.set;
    if (set.kind !== 'summary' || isHostsSet(set)) continue;
    if (!sel.matchesSetPrefix(set.ous, set.host, set.groups)) continue;
    const ou = ouAt(set.ous, depth);
    for (const m of summaryMetrics(set)) {
      if (!sel.matches(m.name)) continue;
      const cells = out.series(ou, m.path, m.entry.unit, m.entry.semantics);
      addSummaryPoints(cells, s, m, [fromMs, toMs]);
    }
  }
  return out.result();
}

/**
 * Merge two answers (say a node's own host-derived summaries and those its
 * children sent) by (OU, metric), combining points at equal timestamps.
 */
export function mergeSummarySeries(a: SummarySeries[], b: SummarySeries[]): SummarySeries[] {
  const out = new SummaryCollector();
  for (const s of [...a, ...b]) {
    const cells = out.series(s.ou, s.metric, s.unit, s.semantics);
    for (const p of s.points) SummaryCollector.add(cells, p.timestampMs, p);
  }
  return out.result();
}

/** Hosts up and down of one OU, from its delegates' latest `_hosts` samples. */
export interface HostCount {
  ou: string;
  up: number;
  down: number;
  /** The newest of the delegates' sample timestamps. */
  timestampMs: number;
}

function startsWith(ous: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= ous.length && prefix.every((t, i) => ous[i] === t);
}

/**
 * Hosts up/down per OU from the `_hosts` sets of a summary store, optionally
 * only under `ouPrefix`. When several delegates report one OU (its hosts are
 * split across L1 aggregators) their counts add. A delegate's last counts
 * stand until its set expires; filter `sets` by `lastSeenMs` to drop them sooner.
 */
export function hostCounts(sets: Iterable<LiveSet>, ouPrefix: readonly string[] = []): HostCount[] {
  const byOu = new Map<string, HostCount>();
  for (const s of sets) {
    if (!isHostsSet(s.set) || !startsWith(s.set.ous, ouPrefix)) continue;
    const metrics = s.set.schema.metrics;
    const upAt = metrics.findIndex((m) => m.name === 'up');
    const downAt = metrics.findIndex((m) => m.name === 'down');
    if (upAt < 0 || downAt < 0) continue;
    const up = s.latest(upAt);
    const down = s.latest(downAt);
    if (up === undefined || down === undefined) continue;
    const ou = s.set.ous.join(':');
    const c = byOu.get(ou) ?? { ou, up: 0, down: 0, timestampMs: -Infinity };
    c.up += Number(up.value);
    c.down += Number(down.value);
    c.timestampMs = Math.max(c.timestampMs, up.timestampMs);
    byOu.set(ou, c);
  }
  return [...byOu.values()].sort((a, b) => (a.ou < b.ou ? -1 : a.ou > b.ou ? 1 : 0));
}
