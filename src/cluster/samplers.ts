import { systemClock } from '../common/index.js';
import type { ConfigPath, ConfigReader } from '../common/index.js';
import { createPlugin, DEFAULT_PLUGINS, pluginNames } from '../sampler/index.js';
import type { PluginPlan, SamplerGroupSpec } from './cluster-spec.js';
import { CLUSTER_KEYS } from './keys.js';
import { resolveRef } from './refs.js';
import type { Registry } from './registry.js';
import { scheduleAt } from './updaters.js';

/** One `samplers:` entry with its index in the file. */
export interface SamplerEntry {
  readonly index: number;
  readonly spec: SamplerGroupSpec;
}

const DEFAULT_SCHEDULE = { intervalMs: 1000, offsetMs: 0 };

/** Options for a plugin: a mapping (copied: YAML aliases share one object between plugins). */
function pluginConfig(r: ConfigReader, path: ConfigPath): Record<string, unknown> | undefined {
  const v = r.get(path);
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return { ...(v as Record<string, unknown>) };
  return r.fail(path, 'expected a mapping of plugin options');
}

/**
 * Build (and close) the plugin once, as the sampler does when it loads its
 * own file, so a bad option is reported here with its place in the cluster file.
 */
function checkPlugin(r: ConfigReader, path: ConfigPath, plan: PluginPlan): boolean {
  const ctx = { host: 'config-check', ous: ['Check'], procRoot: '/proc', clock: systemClock };
  try {
    void createPlugin(plan.name, ctx, plan.config).close?.();
    return true;
  } catch (err) {
    const where = r.get([...path, 'config']) === undefined ? path : [...path, 'config'];
    r.fail(where, (err as Error).message);
    return false;
  }
}

function readPlugin(r: ConfigReader, path: ConfigPath): PluginPlan | undefined {
  const raw = r.get(path);
  if (typeof raw !== 'string' && !r.object(path, CLUSTER_KEYS.plugin)) return undefined;
  const namePath = typeof raw === 'string' ? path : [...path, 'name'];
  if (r.get(namePath) === undefined) return r.fail(path, 'name is required');
  const name = r.string(namePath);
  if (name === undefined) return undefined;
  if (!pluginNames().includes(name))
    return r.fail(namePath, `unknown plugin '${name}' (known: ${pluginNames().join(', ')})`);
  if (typeof raw === 'string') return { name, ...DEFAULT_SCHEDULE, config: {} };
  const schedule = scheduleAt(r, path, DEFAULT_SCHEDULE);
  const config = pluginConfig(r, [...path, 'config']);
  if (schedule === undefined || config === undefined) return undefined;
  const plan = { name, ...schedule, config };
  return checkPlugin(r, path, plan) ? plan : undefined;
}

/** The plugins of one entry: the sampler's defaults when none are listed. */
function readPlugins(r: ConfigReader, path: ConfigPath): PluginPlan[] {
  if (r.get(path) === undefined)
    return DEFAULT_PLUGINS.map((name) => ({ name, ...DEFAULT_SCHEDULE, config: {} }));
  const plans: PluginPlan[] = [];
  const seen = new Map<string, number>();
  for (const j of r.list(path)) {
    const plan = readPlugin(r, [...path, j]);
    if (plan === undefined) continue;
    const first = seen.get(plan.name);
    // Two instances would publish the same set under the same name.
    if (first !== undefined)
      r.fail([...path, j], `plugin '${plan.name}' is already listed (plugins[${first}])`);
    else seen.set(plan.name, j);
    plans.push(plan);
  }
  return plans;
}

/** Read `samplers:`: which daemons run which plugins on which schedule. */
export function readSamplers(r: ConfigReader, reg: Registry): SamplerEntry[] {
  const out: SamplerEntry[] = [];
  for (const i of r.list(['samplers'])) {
    const path: ConfigPath = ['samplers', i];
    if (!r.object(path, CLUSTER_KEYS.sampler)) continue;
    const members = resolveRef(r, reg, [...path, 'daemons'], 'daemon');
    const plugins = readPlugins(r, [...path, 'plugins']);
    if (members === undefined) continue;
    out.push({ index: i, spec: { group: members.text, members: members.names, plugins } });
  }
  return out;
}
