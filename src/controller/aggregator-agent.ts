import type { Aggregator } from '../aggregator/index.js';
import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import type { CoordStore, Lease, Watch } from '../coord/index.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type { AssignmentRecord, DirectoryRecord, MemberRecord, SamplerDesired } from './keys.js';
import { controlBody } from '../link/index.js';
import { retryForever } from './retry.js';

export interface AggregatorAgentOptions {
  store: CoordStore;
  cluster: string;
  aggregator: Aggregator;
  name: string;
  group: string;
  level: number;
  endpoint: { host: string; port: number };
  api: string | null;
  archiveDir: string | null;
  /** Lease time-to-live: how long after a crash the controller notices. */
  leaseTtlMs: number;
  healthEveryMs?: number;
  clock: Clock;
  logger: Logger;
}

/**
 * The aggregator's side of the controller: keeps a lease-bound member key
 * (its heartbeat), pulls from exactly the producers assigned to it, and hands
 * each sampler its desired plugin list on every (re)connect. When the store is
 * unreachable it keeps the assignment it has and keeps retrying.
 */
export class AggregatorAgent {
  readonly #o: AggregatorAgentOptions;
  readonly #keys: ClusterKeys;
  readonly #watches: Watch[] = [];
  readonly #desired = new Map<string, { plugins: SamplerDesired['plugins']; revision: number }>();
  #assignment: AssignmentRecord | undefined;
  #lease: Lease | undefined;
  #healthTimer: TimerHandle | undefined;
  #closed = false;
  /**
   * When the current registration began. A re-registration after a lost lease
   * is a rejoin (the controller may have moved our producers away): the
   * controller lets it settle again before handing it others' producers, or
   * a member whose lease flaps would drag producers back and forth.
   */
  #startedAtMs: number;

  constructor(options: AggregatorAgentOptions) {
    this.#o = options;
    this.#keys = new ClusterKeys(options.cluster);
    this.#startedAtMs = options.clock.now();
  }

  /** Begin; resolves once registered and watching (retrying while the store is down). */
  async start(): Promise<void> {
    const onError = (what: string) => (err: unknown) =>
      this.#o.logger.warn(`coordination store: ${what} failed, retrying`, {
        error: toError(err),
      });
    const stopped = (): boolean => this.#closed;
    await retryForever(() => this.#watch(), {
      clock: this.#o.clock,
      stopped,
      onError: onError('watch'),
    });
    await retryForever(() => this.#register(), {
      clock: this.#o.clock,
      stopped,
      onError: onError('register'),
    });
    this.#scheduleHealth();
  }

  /** Producers currently assigned (for status output and tests). */
  get assignment(): AssignmentRecord | undefined {
    return this.#assignment;
  }

  async #register(): Promise<void> {
    const lease = await this.#o.store.grantLease(this.#o.leaseTtlMs);
    lease.onLost(() => {
      if (this.#closed || this.#lease !== lease) return;
      this.#o.logger.warn('member lease lost; re-registering', { lease: lease.id });
      this.#lease = undefined;
      void retryForever(() => this.#register(), {
        clock: this.#o.clock,
        stopped: () => this.#closed,
        onError: (err) => this.#o.logger.warn('re-register failed', { error: toError(err) }),
      });
    });
    this.#lease = lease;
    this.#startedAtMs = this.#o.clock.now();
    const dir: DirectoryRecord = {
      name: this.#o.name,
      api: this.#o.api,
      archiveDir: this.#o.archiveDir,
      endpoint: this.#o.endpoint,
      updatedAtMs: this.#o.clock.now(),
    };
    await this.#o.store.put(this.#keys.directoryEntry(this.#o.name), JSON.stringify(dir));
    await this.#putMember();
    this.#o.logger.info('registered with the controller', {
      cluster: this.#o.cluster,
      lease: lease.id,
      ttlMs: this.#o.leaseTtlMs,
    });
  }

  async #putMember(): Promise<void> {
    const lease = this.#lease;
    if (!lease) return;
    const stats = this.#o.aggregator.stats();
    const assigned = this.#assignment?.producers.length ?? 0;
    const record: MemberRecord = {
      name: this.#o.name,
      role: 'aggregator',
      group: this.#o.group,
      level: this.#o.level,
      endpoint: this.#o.endpoint,
      api: this.#o.api,
      pid: process.pid,
      startedAtMs: this.#startedAtMs,
      health: {
        atMs: this.#o.clock.now(),
        producersAssigned: assigned,
        producersConnected: stats.pulls.filter((p) => p.state === 'connected').length,
        samplesIn: stats.ingest.samplesIn + stats.pulls.reduce((n, p) => n + p.samplesIn, 0),
        replayBacklogSamples: stats.uplinks.reduce((n, u) => n + u.buffer.samples, 0),
      },
    };
    await this.#o.store.put(this.#keys.member(this.#o.name), JSON.stringify(record), { lease });
  }

  #scheduleHealth(): void {
    if (this.#closed) return;
    this.#healthTimer = this.#o.clock.setTimeout(() => {
      this.#putMember()
        .catch((err: unknown) =>
          this.#o.logger.debug('health update failed', { error: toError(err) }),
        )
        .finally(() => this.#scheduleHealth());
    }, this.#o.healthEveryMs ?? 5000);
  }

  async #watch(): Promise<void> {
    const store = this.#o.store;
    const keys = this.#keys;
    const rev = await store.revision();
    for (const kv of await store.list(keys.samplers))
      this.#onDesired(kv.key, kv.value, kv.modRevision);
    const own = await store.get(keys.assignment(this.#o.name));
    this.#onAssignment(own?.value);
    const onError = (err: Error): void =>
      this.#o.logger.warn('coordination watch trouble', { error: err });
    this.#watches.push(
      await store.watch(
        keys.samplers,
        (e) => this.#onDesired(e.key, e.type === 'put' ? e.value : undefined, e.modRevision),
        { afterRevision: rev, onError },
      ),
      await store.watch(
        keys.assignment(this.#o.name),
        (e) => {
          // Exact key only: the prefix watch also sees `…/l1-agg-10` for `…/l1-agg-1`.
          if (e.key === keys.assignment(this.#o.name))
            this.#onAssignment(e.type === 'put' ? e.value : undefined);
        },
        { afterRevision: rev, onError },
      ),
    );
  }

  #onDesired(key: string, value: string | undefined, revision: number): void {
    const daemon = this.#keys.nameOf(key, this.#keys.samplers);
    const record = parseRecord<SamplerDesired>(value);
    if (!record || !Array.isArray(record.plugins)) {
      this.#desired.delete(daemon);
      return;
    }
    this.#desired.set(daemon, { plugins: record.plugins, revision });
    const held = this.#assignment?.producers.find((p) => p.name === daemon);
    if (held) this.#apply();
  }

  #onAssignment(value: string | undefined): void {
    const record = parseRecord<AssignmentRecord>(value);
    if (value !== undefined && (!record || !Array.isArray(record.producers))) {
      this.#o.logger.error('ignoring malformed assignment record', { value: value.slice(0, 200) });
      return;
    }
    this.#assignment = record ?? { aggregator: this.#o.name, producers: [], atMs: 0 };
    this.#apply();
  }

  /** Make the pulled-from producers match the assignment. */
  #apply(): void {
    const pulls = this.#o.aggregator.pulls;
    const want = new Map((this.#assignment?.producers ?? []).map((p) => [p.name, p]));
    for (const key of pulls.keys()) if (!want.has(key)) pulls.delete(key);
    for (const p of want.values()) {
      const desired = this.#desired.get(p.name);
      pulls.set(p.name, {
        host: p.endpoint.host,
        port: p.endpoint.port,
        mode: p.mode,
        takeover: p.takeover,
        ...(desired
          ? {
              greeting: controlBody({
                op: 'configure',
                plugins: desired.plugins,
                revision: desired.revision,
              }),
            }
          : {}),
      });
    }
    this.#o.logger.info('assignment applied', {
      producers: want.size,
      takeovers: [...want.values()].filter((p) => p.takeover.length > 0).length,
    });
  }

  /** Leave cleanly: revoke the lease so the controller reassigns at once. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#healthTimer?.cancel();
    await Promise.all(this.#watches.map((w) => w.close().catch(() => undefined)));
    await this.#lease?.revoke().catch(() => undefined);
  }
}
