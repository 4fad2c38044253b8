import { join } from 'node:path';
import type { Aggregator } from '../aggregator/index.js';
import type { ClusterView } from '../api/index.js';
import { parseClusterConfig } from '../cluster/index.js';
import type { Clock, Logger } from '../common/index.js';
import { AggregatorAgent, ClusterKeys, Controller } from '../controller/index.js';
import type { StoredConfig } from '../controller/index.js';
import { EmbeddedCoord } from '../coord/index.js';
import type { PluginSpec } from '../sampler/index.js';
import { clusterView } from './cluster-view.js';

/** The cluster name `canopy up` uses in its embedded store. */
export const LOCAL_CLUSTER = 'local';

export interface LocalClusterOptions {
  /** `<dataDir>/coord` holds the store; undefined = in memory. */
  dataDir: string | undefined;
  host: string;
  ous: readonly string[];
  bindHost: string;
  samplerPort: number;
  aggregator: Aggregator;
  aggregatorName: string;
  wirePort: number;
  apiUrl: string;
  archiveDir: string | undefined;
  plugins: readonly PluginSpec[];
  clock: Clock;
  logger: Logger;
}

export interface LocalCluster {
  readonly view: ClusterView;
  readonly store: EmbeddedCoord;
  close(): Promise<void>;
}

/**
 * The controller machinery of `canopy up`, on the embedded store: the cluster
 * config of this one machine (a sampler and an L1 aggregator that pulls from
 * it) is stored, a controller leads, and the aggregator's agent pulls what it
 * is assigned — the same path a real cluster takes, so `canopy ctl status`,
 * `canopy find` and captures work here too.
 */
export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const store = await EmbeddedCoord.open({
    dir: o.dataDir === undefined ? undefined : join(o.dataDir, 'coord'),
    clock: o.clock,
    logger: o.logger.child({ component: 'coord' }),
  });
  const keys = new ClusterKeys(LOCAL_CLUSTER);
  const yaml = localClusterYaml(o);
  const spec = parseClusterConfig(yaml, 'canopy-up.yaml');
  const stored: StoredConfig = { file: 'canopy-up.yaml', yaml, spec, loadedAtMs: o.clock.now() };
  await store.put(keys.config, JSON.stringify(stored));
  const controller = new Controller({
    store,
    cluster: LOCAL_CLUSTER,
    id: `up-${process.pid}`,
    settleMs: 0,
    clock: o.clock,
    logger: o.logger.child({ component: 'controller' }),
  });
  controller.start();
  const agent = new AggregatorAgent({
    store,
    cluster: LOCAL_CLUSTER,
    aggregator: o.aggregator,
    name: o.aggregatorName,
    group: o.aggregatorName,
    level: 1,
    endpoint: { host: o.bindHost, port: o.wirePort },
    api: o.apiUrl,
    archiveDir: o.archiveDir ?? null,
    leaseTtlMs: 2000,
    clock: o.clock,
    logger: o.logger.child({ component: 'agent' }),
  });
  await agent.start();
  return {
    view: clusterView(store, LOCAL_CLUSTER),
    store,
    async close() {
      await agent.close();
      await controller.close();
      await store.close();
    },
  };
}

const fmtMs = (ms: number): string => `${ms}ms`;

/** This machine as a cluster file: one sampler, one L1 aggregator pulling it. */
function localClusterYaml(o: LocalClusterOptions): string {
  const plugins = o.plugins
    .map(
      (p) =>
        `      - { name: ${p.name}, interval: ${fmtMs(p.intervalMs)}, offset: ${fmtMs(p.offsetMs)}, config: ${JSON.stringify(p.config)} }`,
    )
    .join('\n');
  return `cluster: ${LOCAL_CLUSTER}
daemons:
  - names: 'sampler-${o.host}'
    hosts: '${o.host}'
    address: '${o.bindHost}'
    endpoints: [{ names: 'sampler-${o.host}-ep', ports: ${o.samplerPort}, xprt: sock, auth: { name: none } }]
  - names: '${o.aggregatorName}'
    hosts: '${o.host}'
    address: '${o.bindHost}'
    endpoints: [{ names: '${o.aggregatorName}-ep', ports: ${o.wirePort}, xprt: sock, auth: { name: none } }]
aggregators:
  - daemons: '${o.aggregatorName}'
    peers:
      - daemons: 'sampler-${o.host}'
        endpoints: 'sampler-${o.host}-ep'
        reconnect: 1s
        type: active
        updaters: [{ mode: pull, interval: 1s, offset: 0ms }]
samplers:
  - daemons: 'sampler-${o.host}'
    plugins:
${plugins}
ous:
  - { hosts: '${o.host}', ou: '${o.ous.join(':')}' }
`;
}
