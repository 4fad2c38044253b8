import { CanopyError, ConfigReader, durationMs, formatPath } from '../common/index.js';
import type { ConfigPath } from '../common/index.js';
import { validateSumStatDef } from './definition.js';
import { defError } from './errors.js';
import type { SumStatDef } from './definition.js';
import type { MetricSourceRule } from './metric-source.js';

/** A daemon's SumStats file (docs/sumstats.md): definitions, metric sources, actions. */
export interface SumStatsConfig {
  defs: SumStatDef[];
  metrics: MetricSourceRule[];
  webhooks: string[];
  commands: string[];
  /** Absent: this node alone. Manager: merges its workers' keys; worker: reduces and reports up. */
  distribution: SumStatsDistribution | undefined;
}

export type SumStatsDistribution =
  | { role: 'manager'; name: string | undefined; listen: { host: string; port: number } }
  | {
      role: 'worker';
      name: string | undefined;
      managers: { name: string; host: string; port: number }[];
    };

/**
 * Load and validate a SumStats YAML file. Definitions are written like the
 * API takes them, except `epoch` is a duration (`60s`) or `manual`. Every
 * problem is reported as `file:line:col path: message`; nothing loads when
 * anything is wrong.
 */
export function loadSumStatsConfig(file: string): SumStatsConfig {
  const r = ConfigReader.fromFile(file);
  r.object([], ['sumstats', 'metrics', 'actions', 'distribution']);
  const parts = readSumStatsParts(r, {
    defs: ['sumstats'],
    metrics: ['metrics'],
    actions: ['actions'],
  });
  const config = { ...parts, distribution: distribution(r) };
  r.done();
  return config;
}

/**
 * Definitions, metric-source rules and actions at the given places of any
 * config file (the SumStats file, or the cluster file's `sumstats` section).
 */
export function readSumStatsParts(
  r: ConfigReader,
  at: { defs: ConfigPath; metrics: ConfigPath; actions: ConfigPath },
): Omit<SumStatsConfig, 'distribution'> {
  const defs: SumStatDef[] = [];
  for (const i of r.list(at.defs)) {
    const def = definition(r, [...at.defs, i]);
    if (def) defs.push(def);
  }
  const metrics: MetricSourceRule[] = [];
  for (const i of r.list(at.metrics)) {
    const path: ConfigPath = [...at.metrics, i];
    if (!r.object(path, ['select', 'stream', 'key'])) continue;
    const select = r.string([...path, 'select']) ?? r.fail(path, 'select is required');
    const stream = r.string([...path, 'stream']) ?? r.fail(path, 'stream is required');
    const key = metricKey(r, [...path, 'key']);
    if (select && stream && key) metrics.push({ select, stream, key });
  }
  r.object(at.actions, ['webhooks', 'commands']);
  const strings = (key: string): string[] =>
    r.list([...at.actions, key]).flatMap((i) => r.string([...at.actions, key, i]) ?? []);
  return { defs, metrics, webhooks: strings('webhooks'), commands: strings('commands') };
}

function distribution(r: ConfigReader): SumStatsDistribution | undefined {
  const at: ConfigPath = ['distribution'];
  if (!r.object(at, ['role', 'name', 'listen', 'managers'])) return undefined;
  const role = r.oneOf([...at, 'role'], ['manager', 'worker'] as const);
  const name = r.string([...at, 'name']);
  if (role === 'manager') {
    const listen = r.endpoint([...at, 'listen']) ?? r.fail(at, 'a manager needs listen: HOST:PORT');
    return listen ? { role, name, listen } : undefined;
  }
  if (role !== 'worker') return r.fail(at, 'role is required (manager or worker)');
  const managers: { name: string; host: string; port: number }[] = [];
  for (const i of r.list([...at, 'managers'])) {
    const path: ConfigPath = [...at, 'managers', i];
    if (!r.object(path, ['name', 'endpoint'])) continue;
    const mName = r.string([...path, 'name']) ?? r.fail(path, 'name is required');
    const ep = r.endpoint([...path, 'endpoint']) ?? r.fail(path, 'endpoint is required');
    if (mName && ep) managers.push({ name: mName, ...ep });
  }
  if (managers.length === 0) return r.fail(at, 'a worker needs managers: [{ name, endpoint }]');
  return { role, name, managers };
}

function metricKey(r: ConfigReader, path: ConfigPath): MetricSourceRule['key'] | undefined {
  const v = r.get(path);
  if (v === undefined || v === 'host') return 'host';
  if (v === 'ou') return 'ou';
  if (typeof v === 'object' && v !== null && 'ouDepth' in v) {
    const depth = r.int([...path, 'ouDepth'], 1);
    return depth === undefined ? undefined : { ouDepth: depth };
  }
  return r.fail(path, 'expected host, ou or { ouDepth: N }');
}

function definition(r: ConfigReader, at: ConfigPath): SumStatDef | undefined {
  try {
    return parseSumStatDef(r.get(at), formatPath(at));
  } catch (err) {
    if (!(err instanceof CanopyError)) throw err;
    const cut = err.message.indexOf(': ');
    const path = parsePath(cut < 0 ? '' : err.message.slice(0, cut));
    return r.fail(path.length > 0 ? path : at, cut < 0 ? err.message : err.message.slice(cut + 2));
  }
}

/**
 * A definition as files and the HTTP API write it (`epoch: 60s | manual`),
 * validated; throws a coded error whose message starts with the path.
 */
export function parseSumStatDef(raw: unknown, where: string): SumStatDef {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw defError(where, 'expected a mapping');
  const { epoch, ...rest } = raw as Record<string, unknown>;
  let epochMs: number | null | undefined;
  if (epoch === 'manual') epochMs = null;
  else if (typeof epoch === 'string' || typeof epoch === 'number')
    epochMs = durationMs(String(epoch));
  if (epochMs === undefined)
    throw defError(`${where}.epoch`, "expected a duration such as 60s, or 'manual'");
  return validateSumStatDef({ ...rest, epochMs }, where);
}

/** `sumstats[0].reducers[1].spec.n` → ['sumstats', 0, 'reducers', 1, 'spec', 'n'] (epochMs is `epoch` in the file). */
function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g))
    out.push(m[2] !== undefined ? Number(m[2]) : m[1] === 'epochMs' ? 'epoch' : m[1]!);
  return out;
}
