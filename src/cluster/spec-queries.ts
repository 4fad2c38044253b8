import type { ClusterSpec, PluginPlan } from './cluster-spec.js';
import { daemonOf, specIndex } from './spec-index.js';

/**
 * Plugins of one sampler daemon (from its samplers group), each with its own
 * schedule. An aggregator runs no plugins: []. Throws
 * CANOPY_ERR_UNKNOWN_DAEMON for a name the spec does not define.
 */
export function samplerPlugins(spec: ClusterSpec, daemon: string): PluginPlan[] {
  const d = daemonOf(spec, daemon);
  if (d.role !== 'sampler') return [];
  const group = specIndex(spec).samplerGroupOf.get(daemon);
  return (group?.plugins ?? []).map((p) => ({ ...p, config: { ...p.config } }));
}
