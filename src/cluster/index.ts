// The cluster concern: Canopy's Maestro-style cluster file (docs/config.md).
export type {
  ClusterSpec,
  DaemonSpec,
  EndpointSpec,
  EndpointAuth,
  PluginPlan,
  PeerSpec,
  AggregatorGroupSpec,
  SamplerGroupSpec,
  CsvStoreSpec,
} from './cluster-spec.js';
export { loadClusterConfig, parseClusterConfig } from './load.js';
export { samplerPlugins } from './spec-queries.js';
export { producerWeight, pluginMetricEstimate, PLUGIN_METRIC_ESTIMATES } from './weight.js';
export { generateDaemonConfigs } from './generate.js';
export { CLUSTER_KEYS } from './keys.js';
export type { ClusterSection } from './keys.js';
export { ClusterError, CLUSTER_ERROR_CODES } from './errors.js';
export type { ClusterErrorCode } from './errors.js';
