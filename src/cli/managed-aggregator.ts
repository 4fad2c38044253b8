import type { Aggregator, AggregatorConfig } from '../aggregator/index.js';
import type { Logger } from '../common/index.js';
import { systemClock } from '../common/index.js';
import { AggregatorAgent } from '../controller/index.js';
import type { CoordStore } from '../coord/index.js';

/** Default member lease: etcd's minimum useful TTL with its default election timeout. */
const DEFAULT_LEASE_TTL_MS = 2000;

/**
 * Join a controller-managed cluster: register under a lease and pull what the
 * controller assigns. The daemon keeps running if the store is down.
 */
export function startAgent(
  store: CoordStore,
  coord: NonNullable<AggregatorConfig['coord']>,
  o: {
    aggregator: Aggregator;
    name: string;
    level: number;
    wire: { host: string; port: number };
    apiUrl: string;
    archiveDir: string | undefined;
    logger: Logger;
  },
): { stop(): Promise<void> } {
  const agent = new AggregatorAgent({
    store,
    cluster: coord.cluster,
    aggregator: o.aggregator,
    name: o.name,
    group: coord.group ?? '',
    level: o.level,
    endpoint: o.wire,
    api: o.apiUrl === '' ? null : o.apiUrl,
    archiveDir: o.archiveDir ?? null,
    leaseTtlMs: coord.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    clock: systemClock,
    logger: o.logger.child({ component: 'agent' }),
  });
  // Registration retries in the background while the store is unreachable.
  const started = agent.start();
  started.catch(() => undefined);
  return {
    async stop() {
      await agent.close();
      await store.close();
    },
  };
}
