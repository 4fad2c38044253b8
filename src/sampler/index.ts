export { Sampler } from './sampler-daemon.js';
export type { SamplerOptions, SamplerStats } from './sampler-daemon.js';
export type { PluginStats } from './plugin-runner.js';
export type { ConfigureResult } from './control-handler.js';
export { planReconfigure, sameConfig } from './reconfigure.js';
export type { ReconfigurePlan } from './reconfigure.js';
export {
  createPlugin,
  pluginNames,
  DEFAULT_PLUGINS,
  SyntheticPlugin,
  syntheticConfig,
  ProcstatPlugin,
} from './plugins/index.js';
export type { SyntheticConfig, ProcstatConfig } from './plugins/index.js';
export type {
  PluginContext,
  PluginSample,
  PluginSpec,
  SamplerPlugin,
  PluginFactory,
} from './plugin.js';
export { AlignedScheduler, validateSchedule } from './scheduler.js';
export type { AlignedSchedulerOptions, SchedulerStats, TickFn } from './scheduler.js';
export { SendFilter, globToRegExp } from './send-filter.js';
export type {
  SendFilterOptions,
  SendFilterStats,
  Threshold,
  ThresholdRule,
} from './send-filter.js';
export { SamplerError, SAMPLER_ERROR_CODES, pluginConfigError } from './errors.js';
export type { SamplerErrorCode } from './errors.js';
export { loadSamplerConfig } from './config.js';
export type { SamplerConfig } from './config.js';
