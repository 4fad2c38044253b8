import { hostname } from 'node:os';
import { join } from 'node:path';
import { Aggregator } from '../aggregator/index.js';
import { ApiServer } from '../api/index.js';
import { aggregatorSource } from './aggregator-source.js';
import { openArchive } from './archive-options.js';
import { startLocalCluster } from './local-cluster.js';
import { startSumStats } from './sumstats-node.js';
import type { SumStatsConfig } from '../sumstats/index.js';
import type { LocalCluster } from './local-cluster.js';
import type { Clock, Logger } from '../common/index.js';
import { systemClock } from '../common/index.js';
import { DEFAULT_PLUGINS, Sampler } from '../sampler/index.js';
import type { PluginSpec } from '../sampler/index.js';

/** The /proc plugins a sampler runs when none are configured. */

export interface LocalStackOptions {
  /** Address every listener binds to; loopback unless the operator says otherwise. */
  bindHost: string;
  apiPort: number;
  wirePort: number;
  putPort: number;
  intervalMs: number;
  offsetMs: number;
  ous: readonly string[];
  host?: string;
  plugins?: readonly PluginSpec[];
  replayBufferBytes: number;
  /** Where the archive lives (`<dataDir>/archive`); absent = live window only. */
  dataDir?: string | undefined;
  procRoot?: string;
  logger: Logger;
  clock?: Clock;
  /** Summary statistics over this machine's samples and pushed events. */
  sumstats?: SumStatsConfig | undefined;
}

export interface LocalStack {
  readonly sampler: Sampler;
  readonly aggregator: Aggregator;
  readonly api: ApiServer;
  readonly apiUrl: string;
  readonly wirePort: number;
  readonly putPort: number;
  shutdown(): Promise<void>;
}

/**
 * Everything in one process on embedded defaults: a sampler for this machine,
 * an L1 aggregator it pushes to over the real wire protocol on loopback, and
 * the HTTP API over the aggregator.
 */
export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const clock = o.clock ?? systemClock;
  const auth = { mode: 'none' } as const;
  const host = o.host ?? sanitizeHost(hostname());
  const a = o.dataDir ? await openArchive(join(o.dataDir, 'archive'), clock) : undefined;
  const sumstats = o.sumstats
    ? await startSumStats(o.sumstats, { clock, logger: o.logger, name: `sumstats-${host}`, auth })
    : undefined;
  const aggregator = new Aggregator({
    ...(sumstats
      ? {
          observers: [sumstats.source],
          onObserve: (events: unknown) => sumstats.view.observe(events),
        }
      : {}),
    ...(a ? { archive: a.archive, stores: [a.store], pickTier: a.pickTier } : {}),
    name: 'local-l1',
    level: 1,
    listen: { host: o.bindHost, port: o.wirePort },
    auth,
    clock,
    logger: o.logger.child({ daemon: 'aggregator' }),
    ous: o.ous,
    staleness: { defaultIntervalMs: o.intervalMs },
  });
  const wire = await aggregator.start();
  const plugins =
    o.plugins ??
    DEFAULT_PLUGINS.map((name) => ({
      name,
      intervalMs: o.intervalMs,
      offsetMs: o.offsetMs,
      config: {},
    }));
  const sampler = new Sampler({
    name: `sampler-${host}`,
    host,
    ous: o.ous,
    plugins,
    // The aggregator pulls from this listener (as the controller assigns);
    // `canopy put` uses it too.
    putListen: { host: o.bindHost, port: o.putPort, auth },
    replayBufferBytes: o.replayBufferBytes,
    ...(o.procRoot === undefined ? {} : { procRoot: o.procRoot }),
    clock,
    logger: o.logger.child({ daemon: 'sampler' }),
  });
  const { putPort } = await sampler.start();
  const api = new ApiServer({
    host: o.bindHost,
    port: o.apiPort,
    logger: o.logger.child({ daemon: 'api' }),
    now: () => clock.now(),
    source: aggregatorSource(aggregator, sampler),
    ...(sumstats ? { sumstats: sumstats.view } : {}),
    cluster: {
      status: () => cluster.view.status(),
      find: (glob) => cluster.view.find(glob),
      range: (selector, fromMs, toMs) => cluster.view.range(selector, fromMs, toMs),
    },
  });
  const addr = await api.listen();
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const apiUrl = `http://${urlHost}:${addr.port}`;
  aggregator.setApiUrl(apiUrl);
  const cluster: LocalCluster = await startLocalCluster({
    dataDir: o.dataDir,
    host,
    ous: o.ous,
    bindHost: o.bindHost,
    samplerPort: putPort ?? 0,
    aggregator,
    aggregatorName: 'local-l1',
    wirePort: wire.port,
    apiUrl,
    archiveDir: o.dataDir === undefined ? undefined : join(o.dataDir, 'archive'),
    plugins,
    clock,
    logger: o.logger,
  });
  return {
    sampler,
    aggregator,
    api,
    apiUrl,
    wirePort: wire.port,
    putPort: putPort ?? 0,
    async shutdown() {
      await cluster.close();
      await sampler.shutdown();
      await api.close();
      await aggregator.shutdown();
      await sumstats?.close();
    },
  };
}

/** Host names become one namespace token: no `:` and no whitespace. */
export function sanitizeHost(name: string): string {
  const token = name.replace(/[\s:/\\*?[\]{}"'`]/g, '_');
  return token.length > 0 ? token : 'localhost';
}
