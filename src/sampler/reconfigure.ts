import { toError } from '../common/index.js';
import { SAMPLER_ERROR_CODES, SamplerError, pluginConfigError } from './errors.js';
import type { PluginSpec } from './plugin.js';
import { validateSchedule } from './scheduler.js';

/** How a desired plugin list differs from the running one, by plugin name. */
export interface ReconfigurePlan {
  /** Same schedule and same options: left running untouched. */
  unchanged: string[];
  /** Same options, new interval or offset: rescheduled in place. */
  reschedule: PluginSpec[];
  /** New options: a fresh instance replaces the running one. */
  replace: PluginSpec[];
  /** Not running yet. */
  add: PluginSpec[];
  /** Running, no longer wanted. */
  remove: string[];
}

/**
 * Compare a desired plugin list with the running one. Throws a SamplerError
 * (CANOPY_ERR_PLUGIN_CONFIG for a name listed twice, CANOPY_ERR_BAD_SCHEDULE
 * for an unusable interval or offset) before anything is decided, so a bad
 * list is refused as a whole. Plugin options are not checked here: creating
 * the plugins does that.
 */
export function planReconfigure(
  running: readonly PluginSpec[],
  desired: readonly PluginSpec[],
): ReconfigurePlan {
  const wanted = new Map<string, PluginSpec>();
  desired.forEach((spec, i) => {
    if (wanted.has(spec.name))
      throw pluginConfigError(spec.name, `plugins[${i}].name`, 'plugin listed twice');
    try {
      validateSchedule(spec.intervalMs, spec.offsetMs);
    } catch (err) {
      throw new SamplerError(
        SAMPLER_ERROR_CODES.badSchedule,
        `plugin ${spec.name}: plugins[${i}]: ${toError(err).message}`,
        { cause: err },
      );
    }
    wanted.set(spec.name, spec);
  });
  const current = new Map(running.map((s) => [s.name, s]));
  const plan: ReconfigurePlan = { unchanged: [], reschedule: [], replace: [], add: [], remove: [] };
  for (const spec of desired) {
    const now = current.get(spec.name);
    if (!now) plan.add.push(spec);
    else if (!sameConfig(now.config, spec.config)) plan.replace.push(spec);
    else if (now.intervalMs !== spec.intervalMs || now.offsetMs !== spec.offsetMs)
      plan.reschedule.push(spec);
    else plan.unchanged.push(spec.name);
  }
  for (const name of current.keys()) if (!wanted.has(name)) plan.remove.push(name);
  return plan;
}

/** Options are equal when their canonical JSON is (key order does not matter). */
export function sameConfig(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
