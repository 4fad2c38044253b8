import { pluginConfigError } from '../errors.js';
import type { PluginContext, PluginFactory, SamplerPlugin } from '../plugin.js';
import { createCpuPlugin } from './cpu.js';
import { createDiskstatsPlugin } from './diskstats.js';
import { createLoadavgPlugin } from './loadavg.js';
import { createMeminfoPlugin } from './meminfo.js';
import { createNetdevPlugin } from './netdev.js';
import { createProcstatPlugin } from './procstat.js';
import { createSyntheticPlugin } from './synthetic.js';
import { createVmstatPlugin } from './vmstat.js';

/** Every built-in plugin by name. */
const FACTORIES: Readonly<Record<string, PluginFactory>> = {
  cpu: createCpuPlugin,
  meminfo: createMeminfoPlugin,
  vmstat: createVmstatPlugin,
  loadavg: createLoadavgPlugin,
  netdev: createNetdevPlugin,
  diskstats: createDiskstatsPlugin,
  procstat: createProcstatPlugin,
  synthetic: createSyntheticPlugin,
};

/** The /proc plugins a sampler runs when its config names none. */
export const DEFAULT_PLUGINS = [
  'cpu',
  'meminfo',
  'vmstat',
  'loadavg',
  'netdev',
  'diskstats',
] as const;

/** Names of every built-in plugin. */
export function pluginNames(): string[] {
  return Object.keys(FACTORIES);
}

/**
 * Create a plugin by name, validating its options now so a bad config fails
 * at load time. Throws a SamplerError CANOPY_ERR_PLUGIN_CONFIG naming the
 * plugin and the option at fault (an unknown plugin names the `plugin` option).
 */
export function createPlugin(
  name: string,
  ctx: PluginContext,
  config: Record<string, unknown> = {},
): SamplerPlugin {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (factory === undefined) {
    throw pluginConfigError(
      String(name),
      'plugin',
      `unknown plugin (known: ${pluginNames().join(', ')})`,
    );
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw pluginConfigError(name, '(options)', 'options must be a mapping');
  }
  return factory(ctx, config);
}
