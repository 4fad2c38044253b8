import type { Clock, Logger, TimerHandle } from '../../common/index.js';
import { validateSumStatDef } from '../definition.js';
import type { SumStatDef } from '../definition.js';
import { SumStatsEngine } from '../engine.js';
import type { EpochResult, ThresholdCrossing } from '../events.js';
import { Collection } from './collection.js';
import { GlobalViews } from './global-views.js';
import type { GlobalViewStats } from './global-views.js';
import type { SumStatsMessage } from './messages.js';
import { positive } from './options.js';
import type { SumStatsLink } from './transport.js';

/** Options of `SumStatsManager`. */
export interface SumStatsManagerOptions {
  /** This manager's name: the one workers shard by. */
  name: string;
  clock: Clock;
  logger: Logger;
  defs?: SumStatDef[];
  /** A global crossing (`global: true`), early or at epoch end. */
  onCrossing?: (c: ThresholdCrossing) => void;
  /** The merged result of an epoch, with `complete` / `missing`. */
  onEpoch?: (r: EpochResult) => void;
  /** Longest wait for workers' drains. Default 5 000 ms, and at most half the epoch. */
  drainTimeoutMs?: number;
  /** Longest wait for a gather's first answers. Default 1 000 ms. */
  gatherTimeoutMs?: number;
  /** Gathers awaiting first answers at once. Default 64. */
  maxInFlight?: number;
  /** Keys watched at once (all sumstats). Default 10 000. */
  maxWatchedKeys?: number;
}

interface StatState {
  def: SumStatDef;
  pending: SumStatDef | undefined;
  gen: number;
  epochStartMs: number;
  timer: TimerHandle | undefined;
  /** Workers connected at any time in this epoch: each owes a part. */
  seen: Set<string>;
  collecting: Collection | undefined;
  /** Near notices of the new epoch that arrived while the old one was collected. */
  held: string[];
  waiters: ((r: EpochResult) => void)[];
}

/**
 * The manager side of distributed sumstats. It owns the definitions and
 * pushes them to workers, turns near notices into global views (see
 * `GlobalViews`) evaluated on its own engine with `checkMerged`, and at
 * each epoch end asks every worker to drain, merges what arrives before the
 * deadline and reports the epoch, naming the workers whose part is missing.
 */
export class SumStatsManager {
  readonly name: string;
  readonly engine: SumStatsEngine;
  readonly #o: SumStatsManagerOptions;
  readonly #links = new Map<string, SumStatsLink>();
  readonly #stats = new Map<string, StatState>();
  readonly #views: GlobalViews;
  readonly #drainTimeoutMs: number;
  #closed = false;

  constructor(o: SumStatsManagerOptions) {
    this.name = o.name;
    this.#o = o;
    this.#drainTimeoutMs = positive('drainTimeoutMs', o.drainTimeoutMs, 5000);
    // The manager's engine only evaluates merged results; its epochs are
    // manual and ended by this class, after the final merge.
    this.engine = new SumStatsEngine({
      clock: o.clock,
      logger: o.logger,
      ...(o.onCrossing === undefined ? {} : { onCrossing: o.onCrossing }),
    });
    this.#views = new GlobalViews(
      {
        clock: o.clock,
        logger: o.logger,
        engine: this.engine,
        def: (s) => this.#stats.get(s)?.def,
        gen: (s) => this.#stats.get(s)?.gen ?? 0,
        workers: () => [...this.#links.keys()],
        send: (w, m) => void this.#links.get(w)?.send(m),
      },
      positive('maxInFlight', o.maxInFlight, 64),
      positive('maxWatchedKeys', o.maxWatchedKeys, 10_000),
      positive('gatherTimeoutMs', o.gatherTimeoutMs, 1000),
    );
    for (const def of o.defs ?? []) this.define(def);
  }

  /** Connected worker names. */
  workers(): string[] {
    return [...this.#links.keys()];
  }

  viewStats(): GlobalViewStats {
    return this.#views.stats();
  }

  /** Define or replace (at the next epoch) a sumstat, here and on every worker. */
  define(def: SumStatDef): void {
    const clean = validateSumStatDef(def, `sumstats.${String(def?.name)}`);
    this.engine.define({ ...clean, epochMs: null });
    const st = this.#stats.get(clean.name);
    if (st !== undefined) st.pending = clean;
    else {
      const now = this.#o.clock.now();
      const fresh: StatState = {
        def: clean,
        pending: undefined,
        gen: 1,
        epochStartMs: now,
        timer: undefined,
        seen: new Set(this.#links.keys()),
        collecting: undefined,
        held: [],
        waiters: [],
      };
      this.#stats.set(clean.name, fresh);
      this.#arm(fresh);
    }
    this.#broadcast({ t: 'defs', defs: [clean], removed: [] });
  }

  /** Drop a sumstat here and on every worker. */
  remove(name: string): void {
    const st = this.#stats.get(name);
    if (st === undefined) return;
    st.timer?.cancel();
    st.collecting?.timer?.cancel();
    this.#stats.delete(name);
    this.#views.reset(name);
    this.engine.remove(name);
    this.#broadcast({ t: 'defs', defs: [], removed: [name] });
  }

  /** Use a link to a worker; returns a function that forgets it. */
  attach(link: SumStatsLink): () => void {
    const worker = link.peer;
    this.#links.get(worker)?.close();
    this.#links.set(worker, link);
    for (const st of this.#stats.values()) st.seen.add(worker);
    link.onMessage((m) => this.#onMessage(worker, link, m));
    const defs = [...this.#stats.values()].map((s) => s.pending ?? s.def);
    link.send({ t: 'defs', defs, removed: [] });
    this.#views.joined(worker);
    const detach = (): void => {
      if (this.#links.get(worker) !== link) return;
      this.#links.delete(worker);
      this.#views.left(worker);
      for (const st of this.#stats.values()) {
        if (st.collecting === undefined) continue;
        st.collecting.lost(worker);
        this.#maybeFinish(st);
      }
    };
    link.onClose(detach);
    return detach;
  }

  /** End the epoch of `name` now (manual epochs; also works on timed ones) and collect it. */
  endEpoch(name: string): Promise<EpochResult> {
    const st = this.#stats.get(name);
    if (st === undefined)
      return Promise.reject(new Error(`no sumstat named ${JSON.stringify(name)}`));
    const done = new Promise<EpochResult>((resolve) => st.waiters.push(resolve));
    if (st.collecting === undefined) this.#collect(st, this.#o.clock.now());
    return done;
  }

  close(): void {
    this.#closed = true;
    for (const st of this.#stats.values()) {
      st.timer?.cancel();
      st.collecting?.timer?.cancel();
    }
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.engine.close();
  }

  #broadcast(m: SumStatsMessage): void {
    for (const link of this.#links.values()) link.send(m);
  }

  #arm(st: StatState): void {
    const epochMs = st.def.epochMs;
    if (epochMs === null || this.#closed) return;
    const now = this.#o.clock.now();
    const boundary = (Math.floor(now / epochMs) + 1) * epochMs;
    st.timer = this.#o.clock.setTimeout(() => {
      st.timer = undefined;
      if (this.#stats.get(st.def.name) !== st) return;
      if (st.collecting === undefined) this.#collect(st, boundary);
      this.#arm(st);
    }, boundary - now);
  }

  #onMessage(worker: string, link: SumStatsLink, m: SumStatsMessage): void {
    if (this.#links.get(worker) !== link) return;
    const st = this.#stats.get('sumstat' in m ? m.sumstat : '');
    if (st === undefined) return;
    switch (m.t) {
      case 'near':
        if (st.collecting !== undefined) st.held.push(m.key);
        else this.#views.near(m.sumstat, m.key);
        return;
      case 'state':
        if (m.gen === st.gen) this.#views.state(worker, m.sumstat, m.states);
        return;
      case 'batch': {
        const c = st.collecting;
        if (c !== undefined && c.gen === m.gen && c.add(worker, m.keys, m.done))
          this.#maybeFinish(st);
        return;
      }
      default:
        this.#o.logger.warn('sumstats manager got a worker-bound message', { worker, t: m.t });
    }
  }

  /**
   * Ask every connected worker to drain. Workers seen in the epoch but gone
   * now are missing at once; the rest have until the deadline.
   */
  #collect(st: StatState, endMs: number): void {
    const connected = [...this.#links.keys()];
    const c = new Collection(st.def, st.gen, st.epochStartMs, endMs, connected);
    for (const w of st.seen) if (!this.#links.has(w)) c.missing.add(w);
    st.collecting = c;
    st.seen = new Set(connected);
    st.gen++;
    this.#views.reset(st.def.name);
    for (const w of connected)
      this.#links.get(w)?.send({ t: 'drain', sumstat: st.def.name, gen: c.gen, epochEndMs: endMs });
    const share = st.def.epochMs === null ? Infinity : Math.floor(st.def.epochMs / 2);
    c.timer = this.#o.clock.setTimeout(
      () => this.#finish(st, c),
      Math.min(this.#drainTimeoutMs, share),
    );
    this.#maybeFinish(st);
  }

  #maybeFinish(st: StatState): void {
    const c = st.collecting;
    if (c !== undefined && c.finished) this.#finish(st, c);
  }

  #finish(st: StatState, c: Collection): void {
    if (st.collecting !== c) return;
    c.timer?.cancel();
    st.collecting = undefined;
    const name = st.def.name;
    const keys = c.merger.all();
    // Keys no single worker saw near still cross on their merged value.
    if (st.def.threshold !== undefined) {
      const atMs = this.#o.clock.now();
      for (const [key, results] of keys) this.engine.checkMerged(name, key, results, atMs);
    }
    if (c.badParts > 0)
      this.#o.logger.warn('sumstats drain parts did not decode', {
        sumstat: name,
        parts: c.badParts,
      });
    this.engine.drain(name);
    if (st.pending !== undefined) {
      st.def = st.pending;
      st.pending = undefined;
    }
    st.epochStartMs = c.epochEndMs;
    const missing = c.missingNames();
    const result: EpochResult = {
      sumstat: name,
      epochStartMs: c.epochStartMs,
      epochEndMs: c.epochEndMs,
      keys,
      complete: missing.length === 0,
      missing,
    };
    this.#emit(st, result);
    for (const key of st.held.splice(0)) this.#views.near(name, key);
  }

  #emit(st: StatState, result: EpochResult): void {
    try {
      this.#o.onEpoch?.(result);
    } catch (err) {
      this.#o.logger.error('sumstats onEpoch callback threw', { err });
    }
    for (const w of st.waiters.splice(0)) w(result);
  }
}
