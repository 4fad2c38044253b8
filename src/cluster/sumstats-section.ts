import type { ConfigPath, ConfigReader } from '../common/index.js';
import { readSumStatsParts } from '../sumstats/index.js';
import type { SumStatsConfig } from '../sumstats/index.js';
import { CLUSTER_KEYS } from './keys.js';
import { resolveRef } from './refs.js';
import type { Registry } from './registry.js';

/** The cluster's distributed summary statistics: who merges, who reduces, what. */
export interface ClusterSumStats {
  /** Manager daemons and where each listens for its workers. */
  managers: { name: string; host: string; port: number }[];
  /** Worker daemons (reduce locally, report to the managers). */
  workers: string[];
  parts: Omit<SumStatsConfig, 'distribution'>;
  /** The section as written (validated), for the generated SumStats files. */
  raw: { definitions: unknown[]; metrics: unknown[]; actions: Record<string, unknown> };
}

/**
 * `sumstats: { managers: { daemons, port }, workers, definitions, metrics,
 * actions }` (docs/config.md). Definitions are checked like a SumStats file's,
 * with every problem located.
 */
export function readSumStatsSection(r: ConfigReader, reg: Registry): ClusterSumStats | undefined {
  const at: ConfigPath = ['sumstats'];
  if (!r.object(at, CLUSTER_KEYS.sumstats)) return undefined;
  const parts = readSumStatsParts(r, {
    defs: [...at, 'definitions'],
    metrics: [...at, 'metrics'],
    actions: [...at, 'actions'],
  });
  if (!r.object([...at, 'managers'], CLUSTER_KEYS.sumstatsManagers))
    return r.fail(at, 'managers: { daemons, port } is required');
  const managerRef = resolveRef(r, reg, [...at, 'managers', 'daemons'], 'daemon');
  const port = r.int([...at, 'managers', 'port'], 1);
  if (port !== undefined && port > 65535) r.fail([...at, 'managers', 'port'], 'must be ≤ 65535');
  const workerRef = resolveRef(r, reg, [...at, 'workers'], 'daemon');
  if (!managerRef || !workerRef || port === undefined) return undefined;
  const managers = managerRef.names.map((name) => {
    const d = reg.daemons.get(name)!;
    return { name, host: d.endpoints[0]?.host ?? d.host, port };
  });
  const both = workerRef.names.filter((w) => managerRef.names.includes(w));
  if (both.length > 0)
    r.fail(
      [...at, 'workers'],
      `${both.join(', ')} cannot be both worker and manager (a manager reduces its own data already)`,
    );
  const list = (key: string): unknown[] => {
    const v = r.get([...at, key]);
    return Array.isArray(v) ? v : [];
  };
  const actions = r.get([...at, 'actions']);
  return {
    managers,
    workers: workerRef.names,
    parts,
    raw: {
      definitions: list('definitions'),
      metrics: list('metrics'),
      actions:
        typeof actions === 'object' && actions !== null ? (actions as Record<string, unknown>) : {},
    },
  };
}
