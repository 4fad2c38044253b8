// The plugin folder's surface, for the sampler daemon and src/sampler/index.ts.
export { createPlugin, pluginNames, DEFAULT_PLUGINS } from './registry.js';
export { SyntheticPlugin, syntheticConfig } from './synthetic.js';
export type { SyntheticConfig } from './synthetic.js';
export { ProcstatPlugin } from './procstat.js';
export type { ProcstatConfig } from './procstat.js';
