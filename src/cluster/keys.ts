/**
 * The keys each mapping of the cluster file accepts. The loader refuses any
 * other key, and a test checks that schema/cluster.schema.json lists exactly
 * these (the root as `top`, the rest under `$defs` by the same names), so the
 * editor schema and the loader cannot drift apart.
 */
export const CLUSTER_KEYS = {
  top: [
    'cluster',
    'coordination',
    'daemons',
    'aggregators',
    'samplers',
    'stores',
    'ous',
    'sumstats',
  ],
  coordination: ['etcd'],
  daemon: ['names', 'hosts', 'address', 'endpoints', 'api'],
  // maestro_comm is accepted so Maestro files load unchanged; Canopy has no separate Maestro channel.
  endpoint: ['names', 'ports', 'xprt', 'auth', 'maestro_comm'],
  auth: ['name', 'plugin', 'conf'],
  api: ['ports'],
  aggregator: ['daemons', 'balance', 'mode', 'archive', 'peers', 'producers'],
  archive: ['path'],
  peer: ['daemons', 'endpoints', 'reconnect', 'type', 'updaters'],
  updater: ['mode', 'interval', 'offset', 'sets'],
  setMatch: ['regex', 'field'],
  sampler: ['daemons', 'plugins'],
  plugin: ['name', 'interval', 'offset', 'config'],
  store: ['daemons', 'schema', 'plugin'],
  storePlugin: ['name', 'config'],
  csvConfig: ['path', 'rotate'],
  ou: ['hosts', 'ou'],
  sumstats: ['managers', 'workers', 'definitions', 'metrics', 'actions'],
  sumstatsManagers: ['daemons', 'port'],
} as const satisfies Record<string, readonly string[]>;

/** A section name of {@link CLUSTER_KEYS}. */
export type ClusterSection = keyof typeof CLUSTER_KEYS;
