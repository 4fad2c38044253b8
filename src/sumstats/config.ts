import { CanopyError, ConfigReader, durationMs } from '../common/index.js';
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
  const defs: SumStatDef[] = [];
  for (const i of r.list(['sumstats'])) {
    const def = definition(r, i);
    if (def) defs.push(def);
  }
  const metrics: MetricSourceRule[] = [];
  for (const i of r.list(['metrics'])) {
    const path: ConfigPath = ['metrics', i];
    if (!r.object(path, ['select', 'stream', 'key'])) continue;
    const select = r.string([...path, 'select']) ?? r.fail(path, 'select is required');
    const stream = r.string([...path, 'stream']) ?? r.fail(path, 'stream is required');
    const key = metricKey(r, [...path, 'key']);
    if (select && stream && key) metrics.push({ select, stream, key });
  }
  r.object(['actions'], ['webhooks', 'commands']);
  const strings = (key: string): string[] =>
    r.list(['actions', key]).flatMap((i) => r.string(['actions', key, i]) ?? []);
  const config = {
    defs,
    metrics,
    webhooks: strings('webhooks'),
    commands: strings('commands'),
    distribution: distribution(r),
  };
  r.done();
  return config;
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

function definition(r: ConfigReader, i: number): SumStatDef | undefined {
  try {
    return parseSumStatDef(r.get(['sumstats', i]), `sumstats[${i}]`);
  } catch (err) {
    if (!(err instanceof CanopyError)) throw err;
    const at = err.message.indexOf(': ');
    const path = parsePath(at < 0 ? '' : err.message.slice(0, at));
    return r.fail(
      path.length > 0 ? path : ['sumstats', i],
      at < 0 ? err.message : err.message.slice(at + 2),
    );
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
