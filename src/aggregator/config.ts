import { dirname, isAbsolute, join } from 'node:path';
import { ConfigReader } from '../common/index.js';
import type { ConfigPath } from '../common/index.js';
import { FORWARD_MODES } from '../link/index.js';
import type { ForwardMode } from '../link/index.js';
import { isValidToken } from '../model/index.js';

/** What an aggregator's YAML config file says (docs/aggregator.md). */
export interface AggregatorConfig {
  name: string;
  level: number;
  ous: string[];
  listen: { host: string; port: number };
  /** HTTP API listener; null = no API. */
  api: { host: string; port: number } | null;
  secretFile: string | undefined;
  windowSamples: number;
  tmaxIntervals: number;
  dmaxMs: number;
  summaryGraceMs: number;
  replayBufferBytes: number;
  pull: { host: string; port: number; mode: ForwardMode }[];
  push: { host: string; port: number; mode: ForwardMode }[];
  /** Directory of the archive (every received series); undefined = no archive. */
  archiveDir: string | undefined;
  /** CSV stores (LDMS store policies: which schemas go where). */
  csv: { dir: string; schemas: RegExp | undefined; rotateMs: number | undefined }[];
  /** Controller-managed: register in the coordination store and pull what is assigned. */
  coord: CoordSettings | undefined;
  /** SumStats file (docs/sumstats.md), resolved against the config file's directory. */
  sumstatsFile: string | undefined;
}

/** The `coord` section: where the cluster's coordination store is and who we are in it. */
export interface CoordSettings {
  /** `etcd://host:port[,host:port…]`, `file:DIR` or `memory:` (docs/controller.md). */
  url: string;
  cluster: string;
  /** The aggregator group of the cluster config this daemon belongs to. */
  group: string | undefined;
  leaseTtlMs: number | undefined;
}

const KEYS = [
  'name',
  'level',
  'ou',
  'listen',
  'api',
  'secret_file',
  'window',
  'tmax_intervals',
  'dmax',
  'summary_grace',
  'replay_buffer',
  'pull',
  'push',
  'stores',
  'archive',
  'coord',
  'sumstats',
] as const;

export const AGGREGATOR_DEFAULTS = {
  level: 1,
  ou: 'Local',
  listen: '127.0.0.1:7470',
  api: '127.0.0.1:8470',
  windowSamples: 600,
  tmaxIntervals: 4,
  summaryGraceMs: 500,
  replayBufferBytes: 256 * 1024 * 1024,
} as const;

function links(
  r: ConfigReader,
  key: 'pull' | 'push',
): { host: string; port: number; mode: ForwardMode }[] {
  const out: { host: string; port: number; mode: ForwardMode }[] = [];
  for (const i of r.list([key])) {
    const path: ConfigPath = [key, i];
    if (!r.object(path, ['endpoint', 'mode'])) continue;
    if (r.get([...path, 'endpoint']) === undefined) r.fail(path, 'endpoint is required');
    const ep = r.endpoint([...path, 'endpoint']);
    const mode = r.oneOf([...path, 'mode'], FORWARD_MODES) ?? 'full';
    if (ep) out.push({ ...ep, mode });
  }
  return out;
}

function ous(r: ConfigReader): string[] {
  const text = r.string(['ou']) ?? AGGREGATOR_DEFAULTS.ou;
  const tokens = text.split(':');
  if (!tokens.every(isValidToken))
    r.fail(['ou'], `'${text}' is not an OU path such as World:US:Berkeley`);
  return tokens;
}

function stores(r: ConfigReader): AggregatorConfig['csv'] {
  const out: AggregatorConfig['csv'] = [];
  for (const i of r.list(['stores'])) {
    const path: ConfigPath = ['stores', i];
    if (!r.object(path, ['type', 'dir', 'schemas', 'rotate'])) continue;
    if (r.oneOf([...path, 'type'], ['csv'] as const) === undefined) {
      if (r.get([...path, 'type']) === undefined) r.fail(path, 'type is required (csv)');
      continue;
    }
    const dir = r.string([...path, 'dir']) ?? r.fail(path, 'dir is required');
    const schemasText = r.string([...path, 'schemas']);
    let schemas: RegExp | undefined;
    try {
      schemas = schemasText === undefined ? undefined : new RegExp(schemasText);
    } catch (err) {
      r.fail([...path, 'schemas'], `not a regular expression: ${(err as Error).message}`);
    }
    if (dir) out.push({ dir, schemas, rotateMs: r.duration([...path, 'rotate']) });
  }
  return out;
}

function coord(r: ConfigReader): CoordSettings | undefined {
  if (!r.object(['coord'], ['url', 'cluster', 'group', 'lease_ttl'])) return undefined;
  const url = r.string(['coord', 'url']) ?? r.fail(['coord'], 'url is required');
  const cluster = r.string(['coord', 'cluster']) ?? r.fail(['coord'], 'cluster is required');
  if (cluster !== undefined && !isValidToken(cluster))
    r.fail(['coord', 'cluster'], `'${cluster}' is not a valid cluster name token`);
  const leaseTtlMs = r.duration(['coord', 'lease_ttl']);
  if (leaseTtlMs !== undefined && leaseTtlMs < 1000)
    r.fail(['coord', 'lease_ttl'], 'must be at least 1s');
  if (url === undefined || cluster === undefined) return undefined;
  return { url, cluster, group: r.string(['coord', 'group']), leaseTtlMs };
}

/** Load and validate an aggregator config; throws a ConfigError listing every problem. */
export function loadAggregatorConfig(file: string): AggregatorConfig {
  const r = ConfigReader.fromFile(file);
  r.object([], KEYS);
  const name = r.string(['name']) ?? r.fail(['name'], 'name is required') ?? '';
  if (name && !isValidToken(name)) r.fail(['name'], `'${name}' is not a valid name token`);
  const apiText = r.get(['api']);
  const config: AggregatorConfig = {
    name,
    level: r.int(['level'], 1) ?? AGGREGATOR_DEFAULTS.level,
    ous: ous(r),
    listen: r.endpoint(['listen']) ?? { host: '127.0.0.1', port: 7470 },
    api:
      apiText === 'off' || apiText === null
        ? null
        : (r.endpoint(['api']) ?? { host: '127.0.0.1', port: 8470 }),
    secretFile: r.string(['secret_file']),
    windowSamples: r.int(['window'], 1) ?? AGGREGATOR_DEFAULTS.windowSamples,
    tmaxIntervals: r.int(['tmax_intervals'], 1) ?? AGGREGATOR_DEFAULTS.tmaxIntervals,
    dmaxMs: r.duration(['dmax']) ?? 0,
    summaryGraceMs: r.duration(['summary_grace']) ?? AGGREGATOR_DEFAULTS.summaryGraceMs,
    replayBufferBytes: r.size(['replay_buffer']) ?? AGGREGATOR_DEFAULTS.replayBufferBytes,
    pull: links(r, 'pull'),
    push: links(r, 'push'),
    csv: stores(r),
    archiveDir: r.string(['archive']),
    coord: coord(r),
    sumstatsFile: relativeTo(file, r.string(['sumstats'])),
  };
  r.done();
  return config;
}

/** A path in a config file is relative to that file's directory. */
function relativeTo(configFile: string, path: string | undefined): string | undefined {
  return path === undefined || isAbsolute(path) ? path : join(dirname(configFile), path);
}
