import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { IngestServer } from '../link/index.js';
import type { IngestStats, PeerInfo, ReceivedSample } from '../link/index.js';
import type { LatestPoint, RangeSeries, Selector } from '../model/index.js';
import type { AuthConfig } from '../protocol/index.js';
import { LiveStore } from './live-store.js';
import { buildTree } from './tree.js';
import type { TreeNode } from './tree.js';

export interface AggregatorOptions {
  name: string;
  /** Level in the tree: 1 takes samplers, 2 takes L1 aggregators, … */
  level: number;
  listen: { host: string; port: number };
  auth: AuthConfig;
  clock: Clock;
  logger: Logger;
  /** Samples kept per set in the live window (600 = 10 min at 1 s). */
  windowSamples?: number;
  /** A host is down after this long without data (4 × interval by default for 1 s). */
  downAfterMs?: number;
  /** A set not updated for this long leaves the live tree (DMAX); 0 keeps it forever. */
  dmaxMs?: number;
}

export interface AggregatorStats {
  name: string;
  level: number;
  listen: string;
  ingest: IngestStats;
  live: ReturnType<LiveStore['stats']>;
  peers: PeerInfo[];
  expiredSets: number;
}

/**
 * An aggregator: accepts producers over the wire protocol, keeps the live
 * tree, and answers queries over it. Later levels, forwarding and stores
 * attach here.
 */
export class Aggregator {
  readonly #o: AggregatorOptions;
  readonly store: LiveStore;
  readonly #server: IngestServer;
  #expiryTimer: TimerHandle | undefined;
  #expired = 0;
  #closed = false;

  constructor(options: AggregatorOptions) {
    this.#o = options;
    this.store = new LiveStore({ windowSamples: options.windowSamples ?? 600 });
    this.#server = new IngestServer({
      name: options.name,
      host: options.listen.host,
      port: options.listen.port,
      auth: options.auth,
      logger: options.logger,
      onSamples: (peer, samples) => this.#ingest(peer, samples),
      onPeerChange: (peer, connected) =>
        options.logger.info(connected ? 'producer connected' : 'producer disconnected', {
          peer: peer.name,
          role: peer.role,
          remote: peer.remote,
        }),
    });
  }

  async start(): Promise<{ host: string; port: number }> {
    const addr = await this.#server.listen();
    this.#scheduleExpiry();
    this.#o.logger.info('aggregator listening', {
      name: this.#o.name,
      treeLevel: this.#o.level,
      address: `${addr.address}:${addr.port}`,
    });
    return { host: addr.address, port: addr.port };
  }

  get port(): number {
    return this.#server.address().port;
  }

  #ingest(peer: PeerInfo, samples: ReceivedSample[]): void {
    const now = this.#o.clock.now();
    for (const { set, sample } of samples) this.store.ingest(set, sample, now, peer.name);
  }

  #scheduleExpiry(): void {
    const dmaxMs = this.#o.dmaxMs ?? 0;
    if (dmaxMs <= 0 || this.#closed) return;
    this.#expiryTimer = this.#o.clock.setTimeout(
      () => {
        this.#expired += this.store.expire(this.#o.clock.now() - dmaxMs);
        this.#scheduleExpiry();
      },
      Math.min(dmaxMs, 10_000),
    );
  }

  latest(selector: Selector, limit?: number): LatestPoint[] {
    return this.store.latest(selector, limit);
  }

  range(selector: Selector, fromMs: number, toMs: number, limit?: number): RangeSeries[] {
    return this.store.range(selector, fromMs, toMs, limit);
  }

  tree(): TreeNode[] {
    return buildTree(this.store.sets(), this.#o.clock.now(), this.#o.downAfterMs ?? 4_000);
  }

  stats(): AggregatorStats {
    const addr = this.#server.address();
    return {
      name: this.#o.name,
      level: this.#o.level,
      listen: `${addr.address}:${addr.port}`,
      ingest: this.#server.stats(),
      live: this.store.stats(),
      peers: this.#server.peers(),
      expiredSets: this.#expired,
    };
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#expiryTimer?.cancel();
    await this.#server.close();
  }
}
