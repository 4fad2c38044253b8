import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import { IngestServer, Uplinks } from '../link/index.js';
import type {
  ForwardMode,
  IngestStats,
  PeerInfo,
  ReceivedSample,
  UplinkStats,
} from '../link/index.js';
import type { LatestPoint, RangeSeries, Selector, SetSample } from '../model/index.js';
import type { AuthConfig, JsonValue, WireConnection } from '../protocol/index.js';
import type { Store } from '../stores/index.js';
import { Delegates } from './delegates.js';
import type { LiveSet } from './live-set.js';
import { Subscriptions } from './subscriptions.js';
import { fetchedRefs, liveSeriesSource, mergedSource } from './query-sources.js';
import {
  DEFAULT_WINDOW_MS,
  evaluate,
  exprSelectors,
  lookbackMs,
  parseQuery,
} from '../query/index.js';
import type { EvaluateOptions, ResultSeries, SeriesRef, SeriesSource } from '../query/index.js';
import { archiveRefs, combineRefs, rangeFromRefs } from './archive-source.js';
import type { ArchiveQueryable, TierChoice } from './archive-source.js';
import type { DelegateView } from './delegates.js';
import { LiveStore } from './live-store.js';
import { SummaryBuilder } from './summary-builder.js';
import {
  hostCounts,
  mergeSummarySeries,
  summarizeHosts,
  summarizeSummaries,
} from './summary-query.js';
import type { HostCount, SummarySeries } from './summary-query.js';
import { buildTree, hostStates } from './tree.js';
import type { Staleness, TreeNode } from './tree.js';
import { handleControl } from './control-handler.js';
import { IngestSinks } from './ingest-sinks.js';
import type { SampleObserver } from './ingest-sinks.js';
import { PullSet } from './pull-set.js';
import { TreeRouter } from './tree-router.js';
import type { RoutedResult } from './tree-router.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface AggregatorOptions {
  name: string;
  /** Level in the tree: 1 takes samplers, 2 takes L1 aggregators, … */
  level: number;
  /** The OU subtree this aggregator is responsible for, e.g. ['World', 'US', 'Berkeley']. */
  ous: readonly string[];
  listen: Endpoint;
  auth: AuthConfig;
  clock: Clock;
  logger: Logger;
  /** Producers (samplers or lower aggregators) this node pulls from. */
  pull?: readonly (Endpoint & { mode: ForwardMode })[];
  /** Upper nodes this node pushes to. */
  push?: readonly (Endpoint & { mode: ForwardMode })[];
  /** Samples kept per set in the live window (600 = 10 min at 1 s). */
  windowSamples?: number;
  staleness?: Partial<Staleness>;
  /** A set not updated for this long leaves the live tree (DMAX); 0 keeps it forever. */
  dmaxMs?: number;
  /** Wait this long after a timestamp before summarising it, so slow hosts still count. */
  summaryGraceMs?: number;
  /** Byte bound of each uplink's replay buffer. */
  replayBufferBytes?: number;
  /** Deadline for a query forwarded to a delegate. */
  forwardTimeoutMs?: number;
  /** Where received host data is written besides the live tree (archive, CSV, …). */
  stores?: readonly Store[];
  /** The archive, read for history beyond the live window. */
  archive?: ArchiveQueryable;
  /** Which archive tier fits a query's step (the archive's own rule, with its retention). */
  pickTier?: TierChoice;
  /** Told of every host sample stored (e.g. SumStats metric sources); must not throw or block. */
  observers?: readonly SampleObserver[];
  /** Takes pushed observation events (`observe` control messages); returns how many, throws on bad input. */
  onObserve?: (events: unknown) => number;
}

export interface AggregatorStats {
  name: string;
  level: number;
  ous: string;
  listen: string;
  api: string | null;
  ingest: IngestStats;
  live: ReturnType<LiveStore['stats']>;
  summaries: ReturnType<LiveStore['stats']>;
  peers: PeerInfo[];
  pulls: ReturnType<PullSet['stats']>;
  uplinks: UplinkStats[];
  delegates: DelegateView[];
  summaryBuilder: ReturnType<SummaryBuilder['stats']>;
  stores: { name: string; stats: Record<string, number | string> }[];
  storeErrors: number;
  expiredSets: number;
}

/**
 * An aggregator at any level: takes producers by push (they connect) or pull
 * (it connects and subscribes), keeps host data and received summaries in
 * live stores, forwards up per uplink in full or summary mode, and answers
 * queries for its whole subtree, asking delegates for what they hold.
 */
export class Aggregator {
  readonly #o: AggregatorOptions;
  readonly store: LiveStore;
  readonly summaries: LiveStore;
  readonly delegates = new Delegates();
  /** Followers of live data (`follow` queries). */
  readonly subscriptions = new Subscriptions();
  readonly #server: IngestServer;
  /** Producers this node pulls from (configured, or assigned by the controller). */
  readonly pulls: PullSet;
  readonly #uplinks: Uplinks;
  readonly #builder: SummaryBuilder;
  readonly #router: TreeRouter;
  readonly #staleness: Staleness;
  #apiUrl: string | null = null;
  #timer: TimerHandle | undefined;
  #expired = 0;
  readonly #sinks: IngestSinks;
  #closed = false;

  constructor(options: AggregatorOptions) {
    this.#o = options;
    const log = options.logger;
    this.#sinks = new IngestSinks({
      stores: options.stores ?? [],
      observers: options.observers ?? [],
      logger: log,
    });
    this.#staleness = { tmaxIntervals: 4, defaultIntervalMs: 1000, ...options.staleness };
    this.store = new LiveStore({ windowSamples: options.windowSamples ?? 600 });
    this.summaries = new LiveStore({ windowSamples: options.windowSamples ?? 600 });
    this.#builder = new SummaryBuilder({
      source: options.name,
      graceMs: options.summaryGraceMs ?? 500,
    });
    this.#router = new TreeRouter({
      delegates: this.delegates,
      timeoutMs: options.forwardTimeoutMs ?? 2000,
    });
    this.#uplinks = new Uplinks({
      name: options.name,
      role: 'aggregator',
      auth: options.auth,
      clock: options.clock,
      logger: log.child({ component: 'uplink' }),
      bufferBytes: options.replayBufferBytes ?? 256 * 1024 * 1024,
      greeting: (mode) => this.#greeting(mode),
    });
    for (const p of options.push ?? []) this.#uplinks.addPush(p);
    const onSamples = (peer: PeerInfo, samples: ReceivedSample[]): Promise<void> | void =>
      this.#ingest(peer, samples);
    const onControl = (peer: PeerInfo, body: unknown, conn?: WireConnection): void =>
      this.#onControl(peer, body, conn);
    const onPeerChange = (peer: PeerInfo, connected: boolean): void =>
      this.#onPeerChange(peer, connected);
    this.#server = new IngestServer({
      name: options.name,
      host: options.listen.host,
      port: options.listen.port,
      auth: options.auth,
      logger: log,
      uplinks: this.#uplinks,
      onSamples,
      onControl,
      onPeerChange,
    });
    this.pulls = new PullSet({
      name: options.name,
      auth: options.auth,
      clock: options.clock,
      logger: log,
      onSamples,
      onControl,
      onPeerChange,
    });
    for (const p of options.pull ?? []) this.pulls.set(`${p.host}:${p.port}`, p);
  }

  async start(): Promise<Endpoint> {
    const addr = await this.#server.listen();
    this.#uplinks.start();
    this.pulls.start();
    this.#schedule();
    this.#o.logger.info('aggregator listening', {
      name: this.#o.name,
      treeLevel: this.#o.level,
      ous: this.#o.ous.join(':'),
      address: `${addr.address}:${addr.port}`,
    });
    return { host: addr.address, port: addr.port };
  }

  /** The HTTP API address announced to upper nodes as this node's delegation link. */
  setApiUrl(url: string | null): void {
    this.#apiUrl = url;
  }

  get port(): number {
    return this.#server.address().port;
  }

  #greeting(mode: ForwardMode): JsonValue {
    return {
      op: 'forward',
      mode,
      name: this.#o.name,
      level: this.#o.level,
      ous: [this.#o.ous.join(':')],
      api: this.#apiUrl,
    };
  }

  /**
   * Store a batch: live tree, then the stores. The returned promise (which
   * gates the acknowledgement to the producer) waits for the durable stores,
   * so a producer drops from its replay buffer only what survives a crash.
   */
  #ingest(peer: PeerInfo, samples: ReceivedSample[]): Promise<void> | void {
    const now = this.#o.clock.now();
    const wantsFull = this.#uplinks.wants('full');
    const wantsSummary = this.#uplinks.wants('summary');
    const stored: ReceivedSample[] = [];
    const followed: { live: LiveSet; sample: SetSample }[] = [];
    for (const item of samples) {
      const { set, sample } = item;
      if (set.kind === 'summary') {
        if (!this.summaries.ingest(set, sample, now, peer.name)) continue;
        this.delegates.sawOu(peer.name, set.ous);
        // Summaries pass up unchanged: the upper node routes their detail to us.
        if (wantsFull) this.#uplinks.offer('full', set, sample);
        if (wantsSummary) this.#uplinks.offer('summary', set, sample);
        continue;
      }
      const live = this.store.ingest(set, sample, now, peer.name);
      if (!live) continue;
      stored.push(item);
      if (this.subscriptions.size > 0) followed.push({ live, sample });
      if (wantsFull) this.#uplinks.offer('full', set, sample);
      if (wantsSummary) this.#builder.add(set, sample);
    }
    this.#uplinks.kick();
    if (followed.length > 0) this.subscriptions.publish(followed);
    if (stored.length > 0) this.#sinks.observe(stored);
    return stored.length > 0 ? this.#sinks.write(stored) : undefined;
  }

  #onControl(peer: PeerInfo, body: unknown, conn?: WireConnection): void {
    handleControl(
      {
        delegates: this.delegates,
        clock: this.#o.clock,
        logger: this.#o.logger,
        onObserve: this.#o.onObserve,
      },
      peer,
      body,
      conn,
    );
  }

  #onPeerChange(peer: PeerInfo, connected: boolean): void {
    this.#o.logger.info(connected ? 'peer connected' : 'peer disconnected', {
      peer: peer.name,
      role: peer.role,
      remote: peer.remote,
    });
    if (!connected) this.delegates.disconnected(peer.name, this.#o.clock.now());
  }

  /** Periodic work: emit summaries that are due, expire silent sets (DMAX). */
  #schedule(): void {
    if (this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      try {
        this.#tick();
      } catch (err) {
        this.#o.logger.error('aggregator periodic work failed', { error: toError(err) });
      }
      this.#schedule();
    }, 250);
  }

  #tick(): void {
    const now = this.#o.clock.now();
    if (this.#uplinks.wants('summary')) {
      const out = this.#builder.flush(now, hostStates(this.store.sets(), now, this.#staleness));
      for (const { set, sample } of out) this.#uplinks.offer('summary', set, sample);
      if (out.length > 0) this.#uplinks.kick();
    }
    const dmaxMs = this.#o.dmaxMs ?? 0;
    if (dmaxMs > 0)
      this.#expired += this.store.expire(now - dmaxMs) + this.summaries.expire(now - dmaxMs);
  }

  latestLocal(selector: Selector, limit?: number): LatestPoint[] {
    return this.store.latest(selector, limit);
  }

  /** Points held here: the archive's history merged with the live window. */
  rangeLocal(selector: Selector, fromMs: number, toMs: number, limit?: number): RangeSeries[] {
    const archive = this.#o.archive;
    if (!archive) return this.store.range(selector, fromMs, toMs, limit);
    const refs = combineRefs(
      this.store.refs(selector),
      archiveRefs(archive, selector, fromMs, toMs),
    );
    return rangeFromRefs(refs, fromMs, toMs, limit ?? Infinity);
  }

  /**
   * The live tree and the archive as one source. With a step of a minute or
   * more the archive is read from the downsampled tier that fits it (and the
   * live window, which is raw, is left out so tiers and raw points are not mixed).
   */
  #localSource(opts?: EvaluateOptions): SeriesSource {
    const archive = this.#o.archive;
    if (!archive) return liveSeriesSource(this.store);
    const tier =
      opts?.stepMs && this.#o.pickTier ? this.#o.pickTier(opts.stepMs, opts.fromMs) : 'raw';
    if (tier !== 'raw')
      return { select: (sel) => archiveRefs(archive, sel, -Infinity, Infinity, tier) };
    return { select: (sel) => combineRefs(this.store.refs(sel), archiveRefs(archive, sel)) };
  }

  /** Latest values for the whole subtree: local data plus what delegates answer. */
  async latest(
    selector: Selector,
    query: URLSearchParams,
    hops: number,
    limit?: number,
  ): Promise<RoutedResult<LatestPoint>> {
    return this.#router.latest(selector, query, hops, this.latestLocal(selector, limit));
  }

  async range(
    selector: Selector,
    fromMs: number,
    toMs: number,
    query: URLSearchParams,
    hops: number,
    limit?: number,
  ): Promise<RoutedResult<RangeSeries>> {
    return this.#router.range(
      selector,
      query,
      hops,
      this.rangeLocal(selector, fromMs, toMs, limit),
    );
  }

  /**
   * Evaluate a query expression over the whole subtree: the live tree here,
   * plus raw series fetched from the delegates whose OUs may match each
   * selector (with enough history before the range for the windows).
   */
  async query(
    text: string,
    opts: EvaluateOptions,
    hops: number,
  ): Promise<{ series: ResultSeries[]; missing: { delegate: string; error: string }[] }> {
    const expr = parseQuery(text);
    const from =
      opts.fromMs - lookbackMs(expr, DEFAULT_WINDOW_MS, opts.stepMs) - (opts.stepMs ?? 0);
    const remote = new Map<Selector, SeriesRef[]>();
    const missing: { delegate: string; error: string }[] = [];
    for (const { selector } of exprSelectors(expr)) {
      const params = new URLSearchParams({
        select: selector.toString(),
        from: String(from),
        to: String(opts.toMs),
      });
      const r = await this.#router.range(selector, params, hops, []);
      remote.set(
        selector,
        fetchedRefs(r.fragments.flatMap((f) => JSON.parse(`[${f}]`) as RangeSeries[])),
      );
      missing.push(...r.missing);
    }
    const source = mergedSource([this.#localSource(), { select: (sel) => remote.get(sel) ?? [] }]);
    return { series: evaluate(expr, source, opts), missing };
  }

  /** OU-level answers from host data held here and summaries received from below. */
  summary(selector: Selector, fromMs: number, toMs: number, depth?: number): SummarySeries[] {
    return mergeSummarySeries(
      summarizeHosts(this.store.sets(), selector, fromMs, toMs, depth),
      summarizeSummaries(this.summaries.sets(), selector, fromMs, toMs, depth),
    );
  }

  /**
   * Hosts up/down per OU under `ouPrefix`: from the hosts this node holds
   * (TN against TMAX) and from the `_hosts` summaries its delegates send.
   */
  hosts(ouPrefix: readonly string[]): HostCount[] {
    const now = this.#o.clock.now();
    const byOu = new Map<string, HostCount>();
    for (const c of hostCounts(this.summaries.sets(), ouPrefix)) byOu.set(c.ou, { ...c });
    for (const h of hostStates(this.store.sets(), now, this.#staleness)) {
      if (!ouPrefix.every((t, i) => h.ous[i] === t) || h.ous.length < ouPrefix.length) continue;
      const ou = h.ous.join(':');
      const c = byOu.get(ou) ?? { ou, up: 0, down: 0, timestampMs: now };
      if (h.up) c.up++;
      else c.down++;
      byOu.set(ou, c);
    }
    return [...byOu.values()].sort((a, b) => a.ou.localeCompare(b.ou));
  }

  tree(): TreeNode[] {
    return buildTree(this.store.sets(), this.#o.clock.now(), this.#staleness);
  }

  stats(): AggregatorStats {
    const addr = this.#server.address();
    return {
      name: this.#o.name,
      level: this.#o.level,
      ous: this.#o.ous.join(':'),
      listen: `${addr.address}:${addr.port}`,
      api: this.#apiUrl,
      ingest: this.#server.stats(),
      live: this.store.stats(),
      summaries: this.summaries.stats(),
      peers: this.#server.peers(),
      pulls: this.pulls.stats(),
      uplinks: this.#uplinks.stats(),
      delegates: this.delegates.list(),
      summaryBuilder: this.#builder.stats(),
      stores: (this.#o.stores ?? []).map((st) => ({ name: st.name, stats: st.stats() })),
      storeErrors: this.#sinks.storeErrors,
      expiredSets: this.#expired,
    };
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    this.pulls.close();
    await this.#uplinks.close();
    await this.#server.close();
    for (const st of this.#o.stores ?? []) await st.close();
  }
}
