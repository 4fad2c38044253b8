import type { Clock, Logger } from '../../common/index.js';
import type { SumStatDef } from '../definition.js';
import type { SumStatsEngine } from '../engine.js';
import { mergeParts } from './merge.js';
import type { EncodedKey, SumStatsMessage } from './messages.js';

/** A key's global view: every worker's latest part, while it is watched. */
interface View {
  parts: Map<string, EncodedKey | null>;
  /** Workers whose first answer is still awaited; undefined once gathered. */
  pending: Set<string> | undefined;
  /** Crossed its last step: nothing left to detect this epoch. */
  done: boolean;
}

/** What the views need from their manager. */
export interface ViewHost {
  clock: Clock;
  logger: Logger;
  engine: SumStatsEngine;
  def(sumstat: string): SumStatDef | undefined;
  gen(sumstat: string): number;
  workers(): string[];
  send(worker: string, m: SumStatsMessage): void;
}

/** Counters of the global-view machinery. */
export interface GlobalViewStats {
  nearReceived: number;
  coalesced: number;
  gathers: number;
  updates: number;
  maxQueued: number;
  queued: number;
  inFlight: number;
  watched: number;
}

/**
 * Early detection on a manager. A near notice starts a gather of that key
 * from ALL workers (a `watch`: each worker answers now and pushes later
 * changes). At most `maxInFlight` gathers await first answers and at most
 * `maxWatched` keys are watched; further notices wait in a queue, one entry
 * per key however many notices arrive (Zeek drops requests beyond its cap
 * and fetches one key per round trip; here nothing is dropped and one
 * `watch` carries every key started together).
 */
export class GlobalViews {
  readonly #h: ViewHost;
  readonly #maxInFlight: number;
  readonly #maxWatched: number;
  readonly #gatherTimeoutMs: number;
  readonly #views = new Map<string, Map<string, View>>();
  /** `sumstat \0 key` in arrival order. */
  readonly #queue = new Set<string>();
  #inFlight = 0;
  #watched = 0;
  readonly #stats = { nearReceived: 0, coalesced: 0, gathers: 0, updates: 0, maxQueued: 0 };

  constructor(h: ViewHost, maxInFlight: number, maxWatched: number, gatherTimeoutMs: number) {
    this.#h = h;
    this.#maxInFlight = maxInFlight;
    this.#maxWatched = maxWatched;
    this.#gatherTimeoutMs = gatherTimeoutMs;
  }

  stats(): GlobalViewStats {
    return {
      ...this.#stats,
      queued: this.#queue.size,
      inFlight: this.#inFlight,
      watched: this.#watched,
    };
  }

  near(sumstat: string, key: string): void {
    this.#stats.nearReceived++;
    const q = `${sumstat}\0${key}`;
    if (this.#views.get(sumstat)?.has(key) || this.#queue.has(q)) {
      this.#stats.coalesced++;
      return;
    }
    this.#queue.add(q);
    this.#stats.maxQueued = Math.max(this.#stats.maxQueued, this.#queue.size);
    this.pump();
  }

  /** Start queued gathers while there is room; keys started together share one `watch` per worker. */
  pump(): void {
    const started = new Map<string, string[]>();
    for (const q of this.#queue) {
      if (this.#inFlight >= this.#maxInFlight || this.#watched >= this.#maxWatched) break;
      this.#queue.delete(q);
      const cut = q.indexOf('\0');
      const sumstat = q.slice(0, cut);
      const key = q.slice(cut + 1);
      if (this.#h.def(sumstat) === undefined) continue;
      let views = this.#views.get(sumstat);
      if (views === undefined) this.#views.set(sumstat, (views = new Map()));
      views.set(key, { parts: new Map(), pending: new Set(this.#h.workers()), done: false });
      this.#inFlight++;
      this.#watched++;
      this.#stats.gathers++;
      const list = started.get(sumstat) ?? [];
      list.push(key);
      started.set(sumstat, list);
    }
    for (const [sumstat, keys] of started) {
      const gen = this.#h.gen(sumstat);
      for (const w of this.#h.workers()) this.#h.send(w, { t: 'watch', sumstat, gen, keys });
      // A silent worker must not hold a gather (and its in-flight slot) forever.
      this.#h.clock.setTimeout(() => this.#expire(sumstat, keys), this.#gatherTimeoutMs);
      for (const key of keys) this.#maybeGathered(sumstat, key);
    }
  }

  /** A worker's state of some keys (first answer or a later change). */
  state(worker: string, sumstat: string, states: [string, EncodedKey | null][]): void {
    const views = this.#views.get(sumstat);
    if (views === undefined) return;
    for (const [key, s] of states) {
      const v = views.get(key);
      if (v === undefined || v.done) continue;
      v.parts.set(worker, s);
      if (v.pending !== undefined) {
        v.pending.delete(worker);
        this.#maybeGathered(sumstat, key);
      } else {
        this.#stats.updates++;
        this.#evaluate(sumstat, key, v);
      }
    }
    this.pump();
  }

  /** A worker joined: it watches every live key too (its answers count as updates). */
  joined(worker: string): void {
    for (const [sumstat, views] of this.#views) {
      const keys = [...views].filter(([, v]) => !v.done).map(([k]) => k);
      if (keys.length > 0)
        this.#h.send(worker, { t: 'watch', sumstat, gen: this.#h.gen(sumstat), keys });
    }
  }

  /** A worker left: gathers stop waiting for it; its last parts stay (its data was real). */
  left(worker: string): void {
    for (const [sumstat, views] of this.#views)
      for (const [key, v] of views)
        if (v.pending?.delete(worker)) this.#maybeGathered(sumstat, key);
    this.pump();
  }

  /** The epoch of `sumstat` ends: drop its views and queued notices (the epoch-end check covers them). */
  reset(sumstat: string): void {
    const views = this.#views.get(sumstat);
    if (views !== undefined) {
      for (const v of views.values()) {
        if (v.pending !== undefined) this.#inFlight--;
        if (!v.done) this.#watched--;
      }
      this.#views.delete(sumstat);
    }
    for (const q of this.#queue) if (q.startsWith(`${sumstat}\0`)) this.#queue.delete(q);
    this.pump();
  }

  #expire(sumstat: string, keys: string[]): void {
    const views = this.#views.get(sumstat);
    for (const key of keys) {
      const v = views?.get(key);
      if (v?.pending === undefined) continue;
      v.pending.clear();
      this.#maybeGathered(sumstat, key);
    }
    this.pump();
  }

  #maybeGathered(sumstat: string, key: string): void {
    const v = this.#views.get(sumstat)?.get(key);
    if (v?.pending === undefined || v.pending.size > 0) return;
    v.pending = undefined;
    this.#inFlight--;
    this.#evaluate(sumstat, key, v);
  }

  #evaluate(sumstat: string, key: string, v: View): void {
    const def = this.#h.def(sumstat);
    if (def === undefined || def.threshold === undefined) return;
    const parts: EncodedKey[] = [];
    for (const p of v.parts.values()) if (p !== null) parts.push(p);
    try {
      const results = mergeParts(def, key, parts);
      const c = this.#h.engine.checkMerged(sumstat, key, results, this.#h.clock.now());
      const steps = def.threshold.series?.length ?? 1;
      if (c !== undefined && c.index === steps - 1) this.#finishKey(sumstat, key, v);
    } catch (err) {
      this.#h.logger.error('sumstats global view failed', { sumstat, key, err });
    }
  }

  /** Past the last step: stop the pushes and free the watch slot for queued keys. */
  #finishKey(sumstat: string, key: string, v: View): void {
    v.done = true;
    v.parts.clear();
    this.#watched--;
    const gen = this.#h.gen(sumstat);
    for (const w of this.#h.workers()) this.#h.send(w, { t: 'unwatch', sumstat, gen, keys: [key] });
  }
}
