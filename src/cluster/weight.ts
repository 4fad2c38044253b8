import type { AggregatorGroupSpec, ClusterSpec, PluginPlan } from './cluster-spec.js';
import { daemonOf, specIndex } from './spec-index.js';
import { samplerPlugins } from './spec-queries.js';

/** Options of a plugin read as a count, with a fallback. */
function count(config: Record<string, unknown>, key: string, fallback: number): number {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

/**
 * Estimated metrics per sample of each plugin, for balancing by weight. The
 * real count depends on the host (CPUs, interfaces, disks, kernel version),
 * which the controller does not know before the first sample; these are
 * typical figures for a compute node, documented in docs/config.md:
 * - cpu 15: the 10 tick counters of the total line + 5 system counters (per-CPU lines not counted);
 * - meminfo 50, vmstat 180: the line counts of a 5.x/6.x kernel;
 * - loadavg 6; netdev 32: 2 interfaces × 16 counters; diskstats 40: 2 disks × 20 fields;
 * - procstat 8 per process × `top` (default 4 matched processes; 0 with neither match nor top);
 * - synthetic: `hosts` × `metrics` (defaults 10 × 100).
 */
export const PLUGIN_METRIC_ESTIMATES: Readonly<
  Record<string, (config: Record<string, unknown>) => number>
> = {
  cpu: () => 15,
  meminfo: () => 50,
  vmstat: () => 180,
  loadavg: () => 6,
  netdev: () => 32,
  diskstats: () => 40,
  procstat: (c) =>
    c['match'] === undefined && c['top'] === undefined ? 0 : 8 * count(c, 'top', 4),
  synthetic: (c) => count(c, 'hosts', 10) * count(c, 'metrics', 100),
};

/** Estimate for a plugin missing from the table (none today; keeps new plugins from weighing 0). */
const UNKNOWN_PLUGIN_METRICS = 20;
/** A summary carries count, sum, min and max per metric and OU. */
const SUMMARY_VALUES_PER_METRIC = 4;

/** Estimated metrics per sample of one plugin. */
export function pluginMetricEstimate(plan: PluginPlan): number {
  const estimate = PLUGIN_METRIC_ESTIMATES[plan.name];
  return estimate === undefined ? UNKNOWN_PLUGIN_METRICS : estimate(plan.config);
}

function pluginWeight(plan: PluginPlan): number {
  return (pluginMetricEstimate(plan) * 1000) / plan.intervalMs;
}

/** Samplers under an aggregator group, through every level below it. */
function samplersBelow(spec: ClusterSpec, group: string, seen: Set<string>): string[] {
  const g = specIndex(spec).aggregatorGroups.get(group);
  if (g === undefined || seen.has(group)) return [];
  seen.add(group);
  return g.peers.flatMap((p) =>
    p.producers.flatMap((name) => {
      const d = daemonOf(spec, name);
      return d.role === 'sampler' ? [name] : samplersBelow(spec, d.group, seen);
    }),
  );
}

/** Weight a group sends up in summary mode: one summary per (OU, plugin), not per host. */
function summaryWeight(spec: ClusterSpec, group: string): number {
  const seen = new Map<string, number>();
  for (const name of samplersBelow(spec, group, new Set())) {
    const ou = daemonOf(spec, name).ous.join(':');
    for (const p of samplerPlugins(spec, name)) {
      seen.set(`${ou}\0${p.name}\0${p.intervalMs}`, SUMMARY_VALUES_PER_METRIC * pluginWeight(p));
    }
  }
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/** What group `g` forwards up in total: summaries or everything, as its consumer takes it. */
function forwarded(
  spec: ClusterSpec,
  g: AggregatorGroupSpec,
  consumer: AggregatorGroupSpec | undefined,
  seen: Set<string>,
): number {
  const cache = specIndex(spec).forwarded;
  // Members of one group may feed different consumers, which may take different modes.
  const key = `${g.group}\0${consumer?.group ?? ''}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  seen.add(g.group);
  const total =
    consumer?.mode === 'summary'
      ? summaryWeight(spec, g.group)
      : g.peers.flatMap((p) => p.producers).reduce((sum, p) => sum + weightOf(spec, p, seen), 0);
  seen.delete(g.group);
  cache.set(key, total);
  return total;
}

function weightOf(spec: ClusterSpec, name: string, seen: Set<string>): number {
  const d = daemonOf(spec, name);
  if (d.role === 'sampler')
    return samplerPlugins(spec, name).reduce((sum, p) => sum + pluginWeight(p), 0);
  const index = specIndex(spec);
  const g = index.aggregatorGroups.get(d.group);
  if (g === undefined || seen.has(g.group)) return 0;
  // The group that collects from this aggregator decides what comes up: everything, or summaries.
  const total = forwarded(spec, g, index.consumerOf.get(name), seen);
  // Producers are spread over the group's members, so each forwards its share.
  return total / Math.max(1, g.members.length);
}

/**
 * Estimated weight of a producer, for `balance: weight` (Maestro's set
 * weight = set size × update frequency): for a sampler, Σ over its plugins
 * of (estimated metrics per sample × samples per second), see
 * {@link PLUGIN_METRIC_ESTIMATES}. For an aggregator feeding a higher level,
 * its share (1 / members) of what its group forwards: every producer's weight
 * in full mode, or 4 values per metric per (OU, plugin) in summary mode.
 * Results are cached per spec object (a loaded spec is never changed in
 * place). Throws CANOPY_ERR_UNKNOWN_DAEMON for a name the spec does not define.
 */
export function producerWeight(spec: ClusterSpec, daemon: string): number {
  const cache = specIndex(spec).weights;
  let weight = cache.get(daemon);
  if (weight === undefined) {
    weight = weightOf(spec, daemon, new Set());
    cache.set(daemon, weight);
  }
  return weight;
}
