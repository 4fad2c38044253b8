import type { ConfigPath, ConfigReader } from '../common/index.js';
import { validateSchedule } from '../sampler/index.js';
import { CLUSTER_KEYS } from './keys.js';

/** What one peer's updater says, resolved. */
export interface UpdaterPlan {
  intervalMs: number;
  offsetMs: number;
  sets: string;
}

const DEFAULT_UPDATER: UpdaterPlan = { intervalMs: 1000, offsetMs: 0, sets: '.*' };

/** Interval and offset at `path`, checked like a sampler schedule (offset < interval). */
export function scheduleAt(
  r: ConfigReader,
  path: ConfigPath,
  defaults: { intervalMs: number; offsetMs: number },
): { intervalMs: number; offsetMs: number } | undefined {
  const intervalMs = r.duration([...path, 'interval']);
  const offsetMs = r.duration([...path, 'offset']);
  const plan = {
    intervalMs: intervalMs ?? defaults.intervalMs,
    offsetMs: offsetMs ?? defaults.offsetMs,
  };
  const badInterval = r.get([...path, 'interval']) !== undefined && intervalMs === undefined;
  const badOffset = r.get([...path, 'offset']) !== undefined && offsetMs === undefined;
  if (badInterval || badOffset) return undefined;
  const where = (key: string): ConfigPath =>
    r.get([...path, key]) === undefined ? path : [...path, key];
  // The interval alone first, so a bad offset is reported at the offset key.
  for (const [key, offsetMs] of [
    ['interval', 0],
    ['offset', plan.offsetMs],
  ] as const) {
    try {
      validateSchedule(plan.intervalMs, offsetMs);
    } catch (err) {
      return r.fail(where(key), (err as Error).message);
    }
  }
  return plan;
}

/** One `sets:` entry → a regex source over schema names. */
function setMatch(r: ConfigReader, path: ConfigPath): string | undefined {
  if (!r.object(path, CLUSTER_KEYS.setMatch)) return undefined;
  const field = r.oneOf([...path, 'field'], ['schema', 'inst'] as const) ?? 'schema';
  const regex =
    r.get([...path, 'regex']) === undefined
      ? r.fail(path, 'regex is required')
      : r.string([...path, 'regex']);
  if (regex === undefined) return undefined;
  try {
    new RegExp(regex);
  } catch (err) {
    return r.fail([...path, 'regex'], `not a regular expression: ${(err as Error).message}`);
  }
  // Canopy selects sets by schema name; an LDMS instance name (host/schema)
  // regex cannot be translated, except the usual match-everything one.
  if (field === 'inst' && regex !== '.*')
    return r.fail(
      [...path, 'field'],
      "field inst works only with regex '.*' (Canopy matches sets by schema name: use field: schema)",
    );
  return regex;
}

/** The `sets:` list of an updater → one regex source (alternated when several). */
function setsAt(r: ConfigReader, path: ConfigPath): string | undefined {
  const indices = r.list(path);
  if (r.get(path) === undefined) return '.*';
  const parts = indices.map((i) => setMatch(r, [...path, i]));
  if (parts.some((p) => p === undefined) || indices.length === 0)
    return indices.length === 0 ? r.fail(path, 'at least one sets entry is required') : undefined;
  return parts.length === 1 ? parts[0] : parts.map((p) => `(?:${p})`).join('|');
}

/**
 * The `updaters:` of one peer (at most one: a PeerSpec has one schedule).
 * `mode` must agree with the peer's `type`: Canopy pulls over connections
 * the aggregator opens (active) and takes pushes on those producers open (passive).
 */
export function readUpdaters(
  r: ConfigReader,
  path: ConfigPath,
  transport: 'pull' | 'push' | undefined,
): UpdaterPlan | undefined {
  const raw = r.get(path);
  const indices = r.list(path);
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return DEFAULT_UPDATER;
  const plans = indices.map((i) => readUpdater(r, [...path, i], transport));
  if (indices.length > 1)
    return r.fail([...path, 1], 'only one updater per peer is supported (a peer has one schedule)');
  return plans[0];
}

function readUpdater(
  r: ConfigReader,
  u: ConfigPath,
  transport: 'pull' | 'push' | undefined,
): UpdaterPlan | undefined {
  if (!r.object(u, CLUSTER_KEYS.updater)) return undefined;
  const mode = r.oneOf([...u, 'mode'], ['pull', 'push'] as const);
  if (mode !== undefined && transport !== undefined && mode !== transport) {
    const needs = mode === 'pull' ? 'active' : 'passive';
    r.fail(
      [...u, 'mode'],
      `mode ${mode} needs type: ${needs} (the aggregator pulls over connections it opens; producers push over theirs)`,
    );
  }
  const schedule = scheduleAt(r, u, DEFAULT_UPDATER);
  const sets = setsAt(r, [...u, 'sets']);
  return schedule && sets !== undefined ? { ...schedule, sets } : undefined;
}
