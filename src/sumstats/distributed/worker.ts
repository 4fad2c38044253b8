import type { Clock, Logger, TimerHandle } from '../../common/index.js';
import type { SumStatsEngine } from '../engine.js';
import { entryJsonBytes } from './messages.js';
import type { EncodedKey, SumStatsMessage } from './messages.js';
import { positive } from './options.js';
import { Rendezvous } from './rendezvous.js';
import type { SumStatsLink } from './transport.js';

/** Options of `SumStatsWorker`. */
export interface SumStatsWorkerOptions {
  /** This worker's name (as its managers know it). */
  name: string;
  /** The local engine; build it with `onNearThreshold: (s, k, v) => worker.near(s, k, v)`. */
  engine: SumStatsEngine;
  /** Every manager's name, for rendezvous sharding (static membership). */
  managers: readonly string[];
  clock: Clock;
  logger: Logger;
  /** How often watched keys are checked for changes and pushed. Default 50 ms. */
  watchIntervalMs?: number;
  /** Upper bound of one state or drain message body. Default 1 MiB. */
  maxBatchBytes?: number;
}

/** What a worker reports. */
export interface SumStatsWorkerStats {
  nearSent: number;
  nearUnrouted: number;
  statesSent: number;
  drains: number;
  batchesSent: number;
  keysDrained: number;
}

interface Watch {
  gen: number;
  /** Per key: the last encoding pushed, to push only changes. */
  keys: Map<string, EncodedKey | null>;
}

interface Drained {
  epochEndMs: number;
  portions: Map<string, [string, EncodedKey][]>;
}

/**
 * The worker side of distributed sumstats, beside a local engine. It takes
 * its definitions from the managers (running them as manual epochs, since
 * the managers end epochs), routes near-threshold notices to each key's
 * manager, pushes watched keys' state when it changes, and at a drain ends
 * the local epoch once and hands every manager its own keys in
 * size-bounded batches.
 */
export class SumStatsWorker {
  readonly name: string;
  readonly #o: SumStatsWorkerOptions;
  readonly #ring: Rendezvous;
  readonly #watchMs: number;
  readonly #maxBatch: number;
  readonly #links = new Map<string, SumStatsLink>();
  /** manager → sumstat → watch */
  readonly #watches = new Map<string, Map<string, Watch>>();
  readonly #drained = new Map<string, Drained>();
  #timer: TimerHandle | undefined;
  #closed = false;
  readonly #stats: SumStatsWorkerStats = {
    nearSent: 0,
    nearUnrouted: 0,
    statesSent: 0,
    drains: 0,
    batchesSent: 0,
    keysDrained: 0,
  };

  constructor(o: SumStatsWorkerOptions) {
    this.name = o.name;
    this.#o = o;
    this.#ring = new Rendezvous(o.managers);
    this.#watchMs = positive('watchIntervalMs', o.watchIntervalMs, 50);
    this.#maxBatch = positive('maxBatchBytes', o.maxBatchBytes, 1024 * 1024);
  }

  stats(): SumStatsWorkerStats {
    return { ...this.#stats };
  }

  /** Manager names currently connected. */
  connected(): string[] {
    return [...this.#links.keys()];
  }

  /** Use a link to a manager; returns a function that forgets it (call when it ends). */
  attach(link: SumStatsLink): () => void {
    const peer = link.peer;
    this.#links.get(peer)?.close();
    this.#links.set(peer, link);
    link.onMessage((m) => this.#onMessage(peer, link, m));
    const detach = (): void => {
      if (this.#links.get(peer) !== link) return;
      this.#links.delete(peer);
      this.#watches.delete(peer);
    };
    link.onClose(detach);
    return detach;
  }

  /** A key reached `earlyShare` of its next step locally: tell its manager (wire to the engine's `onNearThreshold`). */
  near(sumstat: string, key: string, value: number): void {
    const link = this.#links.get(this.#ring.ownerOf(key));
    if (link !== undefined && link.send({ t: 'near', sumstat, key, value })) this.#stats.nearSent++;
    else this.#stats.nearUnrouted++;
  }

  /** Stop pushing and forget every link (the links themselves are closed). */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    for (const link of this.#links.values()) link.close();
    this.#links.clear();
    this.#watches.clear();
  }

  #onMessage(peer: string, link: SumStatsLink, m: SumStatsMessage): void {
    if (this.#links.get(peer) !== link) return;
    try {
      this.#handle(peer, link, m);
    } catch (err) {
      this.#o.logger.error('sumstats worker failed to handle a message', { peer, t: m.t, err });
    }
  }

  #handle(peer: string, link: SumStatsLink, m: SumStatsMessage): void {
    const engine = this.#o.engine;
    switch (m.t) {
      case 'defs':
        for (const name of m.removed)
          if (engine.list().some((i) => i.def.name === name)) engine.remove(name);
        // Manual epochs here: the managers decide when an epoch ends (drain).
        for (const def of m.defs) if (!this.#sameDef(def)) engine.define({ ...def, epochMs: null });
        return;
      case 'watch':
        this.#watch(peer, link, m.sumstat, m.gen, m.keys);
        return;
      case 'unwatch': {
        const w = this.#watches.get(peer)?.get(m.sumstat);
        if (w !== undefined && w.gen === m.gen) for (const k of m.keys) w.keys.delete(k);
        return;
      }
      case 'drain':
        this.#drain(peer, link, m.sumstat, m.gen, m.epochEndMs);
        return;
      default:
        this.#o.logger.warn('sumstats worker got a manager-bound message', { peer, t: m.t });
    }
  }

  /** A definition already running unchanged is not redefined (that would queue a pointless replacement). */
  #sameDef(def: { name: string }): boolean {
    const info = this.#o.engine.list().find((i) => i.def.name === def.name);
    if (info === undefined) return false;
    const mine = JSON.stringify({ ...(info.pending ?? info.def), epochMs: null });
    return mine === JSON.stringify({ ...def, epochMs: null });
  }

  #watch(peer: string, link: SumStatsLink, sumstat: string, gen: number, keys: string[]): void {
    let per = this.#watches.get(peer);
    if (per === undefined) this.#watches.set(peer, (per = new Map()));
    let w = per.get(sumstat);
    if (w === undefined || w.gen !== gen) per.set(sumstat, (w = { gen, keys: new Map() }));
    const states: [string, EncodedKey | null][] = [];
    for (const key of keys) {
      const s = this.#keyState(sumstat, key);
      w.keys.set(key, s);
      states.push([key, s]);
    }
    this.#sendStates(link, sumstat, gen, states);
    this.#arm();
  }

  #keyState(sumstat: string, key: string): EncodedKey | null {
    try {
      return this.#o.engine.keyState(sumstat, key) ?? null;
    } catch {
      return null;
    }
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = this.#o.clock.setTimeout(() => this.#tick(), this.#watchMs);
  }

  /** Push every watched key whose state changed since it was last pushed. */
  #tick(): void {
    this.#timer = undefined;
    let any = false;
    for (const [peer, per] of this.#watches) {
      const link = this.#links.get(peer);
      if (link === undefined) continue;
      for (const [sumstat, w] of per) {
        if (w.keys.size > 0) any = true;
        const changed: [string, EncodedKey | null][] = [];
        for (const [key, last] of w.keys) {
          const now = this.#keyState(sumstat, key);
          if (now !== null && !sameEncoding(last, now)) {
            w.keys.set(key, now);
            changed.push([key, now]);
          }
        }
        if (changed.length > 0) this.#sendStates(link, sumstat, w.gen, changed);
      }
    }
    if (any) this.#arm();
  }

  #sendStates(
    link: SumStatsLink,
    sumstat: string,
    gen: number,
    states: [string, EncodedKey | null][],
  ): void {
    for (const chunk of chunks(states, this.#maxBatch)) {
      link.send({ t: 'state', sumstat, gen, states: chunk });
      this.#stats.statesSent += chunk.length;
    }
  }

  /**
   * The first drain of an epoch (from any manager) ends the local epoch and
   * splits the keys by owner; each manager then gets its own portion. A
   * portion a manager never asks for is dropped at the next epoch's drain.
   */
  #drain(peer: string, link: SumStatsLink, sumstat: string, gen: number, epochEndMs: number): void {
    let d = this.#drained.get(sumstat);
    if (d === undefined || d.epochEndMs < epochEndMs) {
      if (d !== undefined) this.#logLeftovers(sumstat, d);
      d = { epochEndMs, portions: this.#split(sumstat) };
      this.#drained.set(sumstat, d);
      for (const per of this.#watches.values()) per.delete(sumstat);
    }
    const portion = d.epochEndMs === epochEndMs ? (d.portions.get(peer) ?? []) : [];
    d.portions.delete(peer);
    const parts = chunks(portion, this.#maxBatch);
    if (parts.length === 0) parts.push([]);
    for (let i = 0; i < parts.length; i++) {
      link.send({
        t: 'batch',
        sumstat,
        gen,
        keys: parts[i]! as [string, EncodedKey][],
        done: i === parts.length - 1,
      });
      this.#stats.batchesSent++;
    }
  }

  #split(sumstat: string): Map<string, [string, EncodedKey][]> {
    const portions = new Map<string, [string, EncodedKey][]>();
    let keys: Map<string, EncodedKey>;
    try {
      keys = this.#o.engine.drain(sumstat).keys;
    } catch (err) {
      this.#o.logger.warn('sumstats drain of an unknown sumstat', { sumstat, err });
      return portions;
    }
    this.#stats.drains++;
    this.#stats.keysDrained += keys.size;
    for (const [key, enc] of keys) {
      const owner = this.#ring.ownerOf(key);
      let list = portions.get(owner);
      if (list === undefined) portions.set(owner, (list = []));
      list.push([key, enc]);
    }
    return portions;
  }

  #logLeftovers(sumstat: string, d: Drained): void {
    let keys = 0;
    for (const p of d.portions.values()) keys += p.length;
    if (keys > 0)
      this.#o.logger.warn('sumstats drained keys never collected by their manager', {
        sumstat,
        managers: [...d.portions.keys()],
        keys,
      });
  }
}

function sameEncoding(a: EncodedKey | null, b: EncodedKey): boolean {
  if (a === null) return false;
  const names = Object.keys(b);
  if (Object.keys(a).length !== names.length) return false;
  for (const n of names) {
    const x = a[n];
    const y = b[n]!;
    if (x === undefined || x.byteLength !== y.byteLength) return false;
    if (Buffer.compare(x, y) !== 0) return false;
  }
  return true;
}

/** Split key entries into lists whose JSON stays under `maxBytes` (one oversized key goes alone). */
function chunks<T extends EncodedKey | null>(
  entries: [string, T][],
  maxBytes: number,
): [string, T][][] {
  const out: [string, T][][] = [];
  let cur: [string, T][] = [];
  let size = 0;
  for (const e of entries) {
    const n = e[1] === null ? e[0].length + 12 : entryJsonBytes(e[0], e[1]);
    if (cur.length > 0 && size + n > maxBytes) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(e);
    size += n;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
