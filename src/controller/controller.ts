import type { ClusterSpec } from '../cluster/index.js';
import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import { Election } from '../coord/index.js';
import type { CoordStore, TxnOp, Watch, WatchEvent } from '../coord/index.js';
import { parseHostHistory, recordHolder } from './catalog.js';
import type { HostHistory } from './catalog.js';
import { ClusterKeys, parseRecord } from './keys.js';
import type {
  AssignmentRecord,
  CaptureRecord,
  ClusterEvent,
  MemberRecord,
  StoredConfig,
} from './keys.js';
import { reconcile } from './reconcile.js';
import { sleep } from './retry.js';

/** etcd refuses transactions with more operations than this (--max-txn-ops 128). */
const MAX_TXN_OPS = 100;
const MAX_EVENTS = 500;
/**
 * How many lease TTLs a newly leading controller waits for an aggregator that
 * holds producers but is not registered to come back before orphaning its
 * producers: after a store outage the survivors re-register within a couple
 * of seconds (retry backoff) while a dead one's extended lease may still show
 * it alive. One whose key is seen to go is dead at once, as usual.
 */
const ABSENT_GRACE_TTLS = 2;

export interface ControllerOptions {
  store: CoordStore;
  cluster: string;
  /** This instance's id in the election (host:pid by default). */
  id: string;
  /** Election lease: how fast a standby takes over from a dead leader. */
  leaseTtlMs?: number;
  /** How long a (re)joining aggregator waits before it is given others' producers. */
  settleMs?: number;
  /** Catalog spans older than this are pruned (the newest closed span is always kept). */
  catalogKeepMs?: number;
  clock: Clock;
  logger: Logger;
  /** Told when this instance starts or stops leading. */
  onLeadership?: (leading: boolean) => void;
}

interface LeaderState {
  /** Aggregators holding producers but not registered when we took the lead: until when they may come back. */
  unseen: Map<string, number>;
  /** Aggregators whose going was recorded as an event (once each). */
  reportedDown: Set<string>;
  spec: ClusterSpec | undefined;
  members: Map<string, MemberRecord>;
  assignments: Map<string, AssignmentRecord>;
  written: Map<string, string>;
  catalog: Map<string, HostHistory>;
  captures: Map<string, CaptureRecord>;
  holders: Map<string, Set<string>>;
  watches: Watch[];
}

/**
 * The cluster's brain. Several instances campaign; the leader keeps every
 * aggregator group balanced over its live members, moves a dead member's
 * producers within a lease TTL, folds captures into samplers' plugin lists and
 * records who held which host when. Every write is guarded by leadership, so a
 * deposed or partitioned leader changes nothing.
 */
export class Controller {
  readonly #o: ControllerOptions;
  readonly #keys: ClusterKeys;
  readonly #election: Election;
  #state: LeaderState | undefined;
  #timer: TimerHandle | undefined;
  /** When the pending #timer fires (clock ms). */
  #timerDueMs = 0;
  #running: Promise<void> | undefined;
  #dirty = false;
  #closed = false;
  #reconciles = 0;
  #onLost: (() => void) | undefined;

  constructor(options: ControllerOptions) {
    this.#o = options;
    this.#keys = new ClusterKeys(options.cluster);
    this.#election = new Election({
      store: options.store,
      name: this.#keys.leader,
      id: options.id,
      ttlMs: options.leaseTtlMs ?? 2000,
      logger: options.logger,
    });
    this.#election.onLost(() => this.#onLost?.());
  }

  get isLeader(): boolean {
    return this.#election.isLeader;
  }

  get reconciles(): number {
    return this.#reconciles;
  }

  /** Campaign in the background; lead whenever elected. */
  start(): void {
    void this.#loop();
  }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#election.campaign();
        if (this.#closed) break;
        this.#o.logger.info('leading the cluster', { cluster: this.#o.cluster, id: this.#o.id });
        const lost = new Promise<void>((resolve) => (this.#onLost = resolve));
        await this.#lead();
        this.#o.onLeadership?.(true);
        await lost;
        this.#o.onLeadership?.(false);
        this.#o.logger.warn('leadership lost; standing by', { id: this.#o.id });
      } catch (err) {
        // close() cancels a standby's campaign: that is the way out, not a failure.
        if (this.#closed) break;
        this.#o.logger.warn('controller loop failed; campaigning again', { error: toError(err) });
        await sleep(this.#o.clock, 500);
      } finally {
        await this.#stepDown();
      }
    }
  }

  async #lead(): Promise<void> {
    const store = this.#o.store;
    const k = this.#keys;
    const rev = await store.revision();
    const state: LeaderState = {
      unseen: new Map(),
      reportedDown: new Set(),
      spec: parseRecord<StoredConfig>((await store.get(k.config))?.value)?.spec,
      members: new Map(),
      assignments: new Map(),
      written: new Map(),
      catalog: new Map(),
      captures: new Map(),
      holders: new Map(),
      watches: [],
    };
    for (const kv of await store.list(k.members)) this.#onMember(state, kv.key, kv.value);
    for (const kv of await store.list(k.assignments)) {
      const r = parseRecord<AssignmentRecord>(kv.value);
      if (r && Array.isArray(r.producers))
        state.assignments.set(k.nameOf(kv.key, k.assignments), r);
    }
    const graceUntil = this.#o.clock.now() + ABSENT_GRACE_TTLS * (this.#o.leaseTtlMs ?? 2000);
    for (const [agg, r] of state.assignments)
      if (r.producers.length > 0 && !state.members.has(agg)) state.unseen.set(agg, graceUntil);
    for (const kv of await store.list(k.samplers)) state.written.set(kv.key, kv.value);
    for (const kv of await store.list(k.catalog)) {
      const h = parseHostHistory(parseRecord(kv.value));
      if (h) state.catalog.set(h.host, h);
    }
    for (const kv of await store.list(k.captures)) this.#onCapture(state, kv.key, kv.value);
    this.#state = state;
    const watch = (prefix: string, on: (e: WatchEvent) => void): Promise<Watch> =>
      store.watch(prefix, on, {
        afterRevision: rev,
        onError: (err) => this.#o.logger.warn('controller watch trouble', { error: err }),
      });
    state.watches.push(
      await watch(k.members, (e) => {
        // Members refresh their health every few seconds: only a change of
        // membership needs a pass.
        if (this.#onMember(state, e.key, e.type === 'put' ? e.value : undefined)) this.#schedule();
      }),
      await watch(k.config, (e) => {
        if (e.type === 'put' && e.key === k.config) {
          state.spec = parseRecord<StoredConfig>(e.value)?.spec;
          this.#event('config', this.#o.cluster, 'cluster config loaded');
        }
        this.#schedule();
      }),
      await watch(k.captures, (e) => {
        this.#onCapture(state, e.key, e.type === 'put' ? e.value : undefined);
        this.#schedule();
      }),
    );
    this.#event('leader', this.#o.id, 'took the lead');
    this.#schedule();
  }

  /** Track a member key; true when membership changed (not just a health refresh). */
  #onMember(state: LeaderState, key: string, value: string | undefined): boolean {
    const name = this.#keys.nameOf(key, this.#keys.members);
    const had = state.members.get(name);
    // Seen come back, or seen go: either way no longer a maybe.
    const wasUnseen = state.unseen.delete(name);
    const r = parseRecord<MemberRecord>(value);
    if (r && r.role === 'aggregator') {
      state.members.set(name, r);
      state.reportedDown.delete(name);
      if (!had) this.#event('member-up', name, `group ${r.group}, level ${r.level}`);
      return wasUnseen || !had || had.startedAtMs !== r.startedAtMs;
    }
    if (!had) return wasUnseen;
    state.members.delete(name);
    state.reportedDown.add(name);
    this.#o.logger.warn('aggregator gone; reassigning its producers', { aggregator: name });
    this.#event('member-down', name, 'lease expired or revoked');
    return true;
  }

  #onCapture(state: LeaderState, key: string, value: string | undefined): void {
    const rest = this.#keys.nameOf(key, this.#keys.captures);
    const [id, sub, holder] = rest.split('/');
    if (id === undefined) return;
    if (sub === 'holders' && holder !== undefined) {
      const set = state.holders.get(id) ?? new Set<string>();
      if (value === undefined) set.delete(holder);
      else set.add(holder);
      state.holders.set(id, set);
      return;
    }
    const r = parseRecord<CaptureRecord>(value);
    if (r) state.captures.set(id, r);
    else state.captures.delete(id);
  }

  /**
   * Coalesce bursts of events (a dying member, a config load) into one pass.
   * A pending pass is brought forward but never pushed back: members refresh
   * their health keys all the time, and a delay restarted by every event
   * would put off a failover for as long as the stream lasts.
   */
  #schedule(delayMs = 20): void {
    if (this.#closed || !this.#state) return;
    const dueMs = this.#o.clock.now() + delayMs;
    if (this.#timer !== undefined && this.#timerDueMs <= dueMs) return;
    this.#timer?.cancel();
    this.#timerDueMs = dueMs;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) {
        this.#dirty = true;
        return;
      }
      this.#running = this.#reconcile()
        .catch((err: unknown) => {
          this.#o.logger.warn('reconcile failed; retrying', { error: toError(err) });
          this.#dirty = true;
        })
        .finally(() => {
          this.#running = undefined;
          if (this.#dirty) {
            this.#dirty = false;
            this.#schedule(500);
          }
        });
    }, delayMs);
  }

  async #reconcile(): Promise<void> {
    const state = this.#state;
    if (!state || !this.#election.isLeader) return;
    const spec = state.spec;
    if (!spec) {
      this.#o.logger.info('no cluster config loaded yet (canopy ctl load)');
      return;
    }
    const now = this.#o.clock.now();
    const active = [...state.captures.values()].filter(
      (c) => c.untilMs > now && (state.holders.get(c.id)?.size ?? 0) > 0,
    );
    const out = reconcile({
      spec,
      members: state.members,
      assignments: state.assignments,
      captures: active,
      nowMs: now,
      settleMs: this.#o.settleMs ?? 3000,
      absentGraceUntilMs: state.unseen,
    });
    const ops: TxnOp[] = [];
    const put = (key: string, value: string): void => {
      if (state.written.get(key) !== value) ops.push({ op: 'put', key, value });
    };
    const changed = [...out.assignments.values()].filter(
      (r) =>
        JSON.stringify(state.assignments.get(r.aggregator)?.producers) !==
        JSON.stringify(r.producers),
    );
    for (const r of changed)
      ops.push({ op: 'put', key: this.#keys.assignment(r.aggregator), value: JSON.stringify(r) });
    for (const [daemon, desired] of out.desired)
      put(this.#keys.sampler(daemon), JSON.stringify(desired));
    const catalog = new Map<string, HostHistory>();
    for (const m of out.moves) {
      const h = recordHolder(
        catalog.get(m.host) ?? state.catalog.get(m.host),
        m.host,
        m.producer,
        m.to,
        now,
        this.#o.catalogKeepMs,
      );
      catalog.set(m.host, h);
    }
    for (const [host, h] of catalog)
      ops.push({ op: 'put', key: this.#keys.catalogEntry(host), value: JSON.stringify(h) });
    for (const c of state.captures.values()) {
      if (active.includes(c)) continue;
      ops.push({ op: 'delete', key: this.#keys.capture(c.id) });
      for (const h of state.holders.get(c.id) ?? [])
        ops.push({ op: 'delete', key: this.#keys.captureHolder(c.id, h) });
    }
    await this.#commit(ops);
    for (const op of ops) if (op.op === 'put') state.written.set(op.key, op.value);
    for (const r of changed) state.assignments.set(r.aggregator, r);
    for (const [host, h] of catalog) state.catalog.set(host, h);
    this.#reconciles++;
    this.#report(out.moves.length, ops.length);
    // An aggregator already gone when this controller took the lead had no
    // watched delete: record its going when its producers leave it.
    for (const m of out.moves)
      if (m.from !== undefined && !state.members.has(m.from) && !state.reportedDown.has(m.from)) {
        state.reportedDown.add(m.from);
        this.#event('member-down', m.from, 'not registered (found gone when taking the lead)');
      }
    if (out.moves.length > 0) {
      const byTo = new Map<string, number>();
      for (const m of out.moves) byTo.set(m.to, (byTo.get(m.to) ?? 0) + 1);
      for (const [to, n] of byTo) this.#event('reassign', to, `${n} producer(s) assigned`);
    }
    const next = Math.min(out.nextCheckMs ?? Infinity, ...active.map((c) => c.untilMs));
    if (Number.isFinite(next)) this.#schedule(Math.max(20, next - now + 5));
  }

  #report(moves: number, writes: number): void {
    if (moves === 0 && writes === 0) return;
    this.#o.logger.info('assignments reconciled', { moves, writes });
  }

  /** Write in leader-guarded chunks; a failed guard means we are no longer leading. */
  async #commit(ops: readonly TxnOp[]): Promise<void> {
    for (let i = 0; i < ops.length; i += MAX_TXN_OPS) {
      const ok = await this.#o.store.txn([this.#election.guard()], ops.slice(i, i + MAX_TXN_OPS));
      if (!ok) {
        this.#o.logger.warn('write refused: no longer the leader');
        await this.#election.resign().catch(() => undefined);
        return;
      }
    }
  }

  #event(kind: ClusterEvent['kind'], subject: string, detail: string): void {
    if (!this.#election.isLeader) return;
    const atMs = this.#o.clock.now();
    const event: ClusterEvent = { atMs, kind, subject, detail };
    const key = `${this.#keys.events}${String(atMs).padStart(15, '0')}-${Math.random().toString(36).slice(2, 8)}`;
    // Guarded like every other write: a deposed leader records nothing.
    void this.#o.store
      .txn([this.#election.guard()], [{ op: 'put', key, value: JSON.stringify(event) }])
      .then((ok) => (ok ? this.#pruneEvents() : undefined))
      .catch((err: unknown) => this.#o.logger.debug('event not recorded', { error: toError(err) }));
  }

  async #pruneEvents(): Promise<void> {
    const all = await this.#o.store.list(this.#keys.events);
    for (const kv of all.slice(0, Math.max(0, all.length - MAX_EVENTS)))
      await this.#o.store.delete(kv.key);
  }

  async #stepDown(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    const state = this.#state;
    this.#state = undefined;
    if (state) await Promise.all(state.watches.map((w) => w.close().catch(() => undefined)));
    await this.#running?.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#election.resign().catch(() => undefined);
    await this.#stepDown();
  }
}
