import { stringify } from 'yaml';
import type { AggregatorGroupSpec, ClusterSpec, DaemonSpec } from './cluster-spec.js';
import { specIndex } from './spec-index.js';
import { samplerPlugins } from './spec-queries.js';

/** Where generated daemons find the coordination store, and under which cluster name. */
interface Coord {
  url: string;
  cluster: string;
}

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** `86400000` → `1d`, `1500` → `1500ms`: the largest unit that keeps the value whole. */
export function formatDuration(ms: number): string {
  const unit = UNITS.find(([, size]) => ms >= size && ms % size === 0);
  return unit === undefined ? `${ms}ms` : `${ms / unit[1]}${unit[0]}`;
}

function header(spec: ClusterSpec, d: DaemonSpec): string {
  return (
    `# ${d.role} ${d.name} of cluster ${spec.name}, generated from the cluster file.\n` +
    '# Edit the cluster file and generate again instead of editing this one.\n'
  );
}

function secretFile(d: DaemonSpec): { secret_file: string } | Record<string, never> {
  return d.endpoint.auth.mode === 'secret' ? { secret_file: d.endpoint.auth.secretFile } : {};
}

/**
 * The sampler format (docs/sampler.md): it listens on its endpoint for the
 * aggregators that pull from it, and has no push destination because the
 * controller assigns it to an aggregator that dials in.
 */
function samplerFile(spec: ClusterSpec, d: DaemonSpec): string {
  const doc = {
    name: d.name,
    host: d.host,
    ou: d.ous.join(':'),
    listen: `${d.endpoint.host}:${d.endpoint.port}`,
    ...secretFile(d),
    plugins: samplerPlugins(spec, d.name).map((p) => ({
      name: p.name,
      interval: formatDuration(p.intervalMs),
      offset: formatDuration(p.offsetMs),
      config: p.config,
    })),
  };
  return header(spec, d) + stringify(doc);
}

function storesOf(g: AggregatorGroupSpec | undefined): Record<string, unknown> {
  if (g === undefined) return {};
  const stores = g.csv.map((c) => ({
    type: 'csv',
    dir: c.dir,
    ...(c.schemas === undefined ? {} : { schemas: c.schemas }),
    ...(c.rotateMs === undefined ? {} : { rotate: formatDuration(c.rotateMs) }),
  }));
  return {
    ...(g.archiveDir === undefined ? {} : { archive: g.archiveDir }),
    ...(stores.length === 0 ? {} : { stores }),
  };
}

/**
 * The aggregator format (docs/aggregator.md). `pull` is empty on purpose:
 * which producers each member collects from is decided and changed at run
 * time by the controller through the coordination store.
 */
function aggregatorFile(spec: ClusterSpec, d: DaemonSpec, coord: Coord): string {
  const g = specIndex(spec).aggregatorGroups.get(d.group);
  const doc = {
    name: d.name,
    level: g?.level ?? 1,
    ou: d.ous.join(':'),
    listen: `${d.endpoint.host}:${d.endpoint.port}`,
    api: d.api === undefined ? 'off' : `${d.api.host}:${d.api.port}`,
    ...secretFile(d),
    ...storesOf(g),
    pull: [],
    // The group tells the controller which producers this member may be given.
    coord: { ...coord, group: d.group },
    ...(sumstatsRole(spec, d.name) ? { sumstats: `${d.name}.sumstats.yaml` } : {}),
  };
  return header(spec, d) + stringify(doc);
}

function sumstatsRole(spec: ClusterSpec, daemon: string): 'manager' | 'worker' | undefined {
  const s = spec.sumstats;
  if (s?.managers.some((m) => m.name === daemon)) return 'manager';
  return s?.workers.includes(daemon) ? 'worker' : undefined;
}

/**
 * A manager's or worker's SumStats file (docs/sumstats.md): managers get the
 * definitions and actions; everyone gets the metric rules (each reduces its
 * own samples) and its place in the distribution.
 */
function sumstatsFile(spec: ClusterSpec, d: DaemonSpec, role: 'manager' | 'worker'): string {
  const s = spec.sumstats!;
  const me = s.managers.find((m) => m.name === d.name);
  const doc = {
    ...(role === 'manager' ? { sumstats: s.raw.definitions, actions: s.raw.actions } : {}),
    ...(s.raw.metrics.length > 0 ? { metrics: s.raw.metrics } : {}),
    distribution:
      role === 'manager'
        ? { role, name: d.name, listen: `${me!.host}:${me!.port}` }
        : {
            role,
            name: d.name,
            managers: s.managers.map((m) => ({ name: m.name, endpoint: `${m.host}:${m.port}` })),
          },
  };
  return header(spec, d) + stringify(doc);
}

/**
 * Each daemon's own config file, as YAML text keyed by `<daemon>.yaml`:
 * samplers in the sampler format, aggregators in the aggregator format, both
 * with `coord: { url, cluster }` (aggregators also with their `group`) so
 * they find the controller's assignments.
 */
export function generateDaemonConfigs(
  spec: ClusterSpec,
  o: { coordUrl: string },
): Map<string, string> {
  const coord = { url: o.coordUrl, cluster: spec.name };
  const files = new Map<string, string>();
  for (const d of spec.daemons) {
    const text = d.role === 'sampler' ? samplerFile(spec, d) : aggregatorFile(spec, d, coord);
    files.set(`${d.name}.yaml`, text);
    const role = sumstatsRole(spec, d.name);
    if (role) files.set(`${d.name}.sumstats.yaml`, sumstatsFile(spec, d, role));
  }
  return files;
}
