import { ConfigReader, systemClock } from '../common/index.js';
import type { ConfigPath } from '../common/index.js';
import { isValidToken } from '../model/index.js';
import { createPlugin, DEFAULT_PLUGINS } from './plugins/index.js';
import type { SendFilterOptions, ThresholdRule } from './send-filter.js';
import { validateSchedule } from './scheduler.js';

/** A sampler's YAML config file, resolved (docs/sampler.md). */
export interface SamplerConfig {
  name: string | undefined;
  host: string | undefined;
  ous: string[];
  /** Push destination; undefined = sample and buffer for pullers only. */
  aggregator: { host: string; port: number } | undefined;
  /** Listener for `canopy put` and pulling aggregators; null = none. */
  listen: { host: string; port: number } | null;
  secretFile: string | undefined;
  replayBufferBytes: number;
  plugins: {
    name: string;
    intervalMs: number;
    offsetMs: number;
    config: Record<string, unknown>;
  }[];
  sendFilter: SendFilterOptions | undefined;
}

const KEYS = [
  'name',
  'host',
  'ou',
  'aggregator',
  'listen',
  'secret_file',
  'replay_buffer',
  'interval',
  'offset',
  'plugins',
  'send_filter',
] as const;

function plugins(r: ConfigReader, intervalMs: number, offsetMs: number): SamplerConfig['plugins'] {
  const indices = r.list(['plugins']);
  if (r.get(['plugins']) === undefined)
    return DEFAULT_PLUGINS.map((name) => ({ name, intervalMs, offsetMs, config: {} }));
  const ctx = { host: 'config-check', ous: ['Check'], procRoot: '/proc', clock: systemClock };
  const out: SamplerConfig['plugins'] = [];
  for (const i of indices) {
    const path: ConfigPath = ['plugins', i];
    const raw = r.get(path);
    const entry = typeof raw === 'string' ? { name: raw } : raw;
    if (typeof raw !== 'string' && !r.object(path, ['name', 'interval', 'offset', 'config']))
      continue;
    const name = typeof raw === 'string' ? raw : r.string([...path, 'name']);
    if (!name) {
      r.fail(path, 'plugin name is required');
      continue;
    }
    const spec = {
      name,
      intervalMs:
        (typeof raw === 'string' ? undefined : r.duration([...path, 'interval'])) ?? intervalMs,
      offsetMs: (typeof raw === 'string' ? undefined : r.duration([...path, 'offset'])) ?? offsetMs,
      config: ((entry as { config?: unknown }).config ?? {}) as Record<string, unknown>,
    };
    try {
      validateSchedule(spec.intervalMs, spec.offsetMs);
      // Build (and close) the plugin once so a bad option is reported here,
      // with its place in the file, instead of when the daemon starts.
      void createPlugin(name, ctx, spec.config).close?.();
      out.push(spec);
    } catch (err) {
      r.fail(path, (err as Error).message);
    }
  }
  return out;
}

function sendFilter(r: ConfigReader): SendFilterOptions | undefined {
  if (!r.object(['send_filter'], ['max_silence', 'default_absolute', 'rules'])) return undefined;
  const rules: ThresholdRule[] = [];
  for (const i of r.list(['send_filter', 'rules'])) {
    const path: ConfigPath = ['send_filter', 'rules', i];
    if (!r.object(path, ['match', 'absolute', 'relative_pct'])) continue;
    const match = r.string([...path, 'match']) ?? r.fail([...path], 'match is required');
    const absolute = r.get([...path, 'absolute']);
    const relativePct = r.get([...path, 'relative_pct']);
    if (
      (absolute === undefined) === (relativePct === undefined) ||
      ![absolute, relativePct].every((v) => v === undefined || (typeof v === 'number' && v >= 0))
    ) {
      r.fail(path, 'give exactly one of absolute or relative_pct, a number ≥ 0');
      continue;
    }
    if (match)
      rules.push({
        match,
        ...(typeof absolute === 'number' ? { absolute } : { relativePct: relativePct as number }),
      });
  }
  const maxSilenceMs = r.duration(['send_filter', 'max_silence']);
  const defaultAbsolute = r.get(['send_filter', 'default_absolute']);
  if (
    defaultAbsolute !== undefined &&
    !(typeof defaultAbsolute === 'number' && defaultAbsolute >= 0)
  )
    r.fail(['send_filter', 'default_absolute'], 'expected a number ≥ 0');
  return {
    enabled: true,
    rules,
    ...(maxSilenceMs === undefined ? {} : { maxSilenceMs }),
    ...(typeof defaultAbsolute === 'number'
      ? { defaultThreshold: { absolute: defaultAbsolute } }
      : {}),
  };
}

/** Load and validate a sampler config; throws a ConfigError listing every problem. */
export function loadSamplerConfig(file: string): SamplerConfig {
  const r = ConfigReader.fromFile(file);
  r.object([], KEYS);
  const host = r.string(['host']);
  if (host !== undefined && !isValidToken(host))
    r.fail(['host'], `'${host}' is not a valid host token`);
  const ouText = r.string(['ou']) ?? 'Local';
  if (!ouText.split(':').every(isValidToken))
    r.fail(['ou'], `'${ouText}' is not an OU path such as Lab:Rack1`);
  const intervalMs = r.duration(['interval']) ?? 1000;
  const offsetMs = r.duration(['offset']) ?? 0;
  const listenText = r.get(['listen']);
  const config: SamplerConfig = {
    name: r.string(['name']),
    host,
    ous: ouText.split(':'),
    aggregator: r.endpoint(['aggregator']),
    listen:
      listenText === 'off' || listenText === null
        ? null
        : (r.endpoint(['listen']) ?? { host: '127.0.0.1', port: 7471 }),
    secretFile: r.string(['secret_file']),
    replayBufferBytes: r.size(['replay_buffer']) ?? 64 * 1024 * 1024,
    plugins: plugins(r, intervalMs, offsetMs),
    sendFilter: sendFilter(r),
  };
  r.done();
  return config;
}
