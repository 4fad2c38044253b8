import type { Selector, SetInstance, SetSample } from '../model/index.js';
import { formatName } from '../model/index.js';
import type { LiveSet } from './live-set.js';

/** New points of one series, as pushed to a follower. */
export interface FollowedPoints {
  name: string;
  points: [number, number][];
}

interface Subscription {
  selector: Selector;
  onPoints: (batch: FollowedPoints[]) => void;
  /** Per set key: indices of the matching metrics (null = none), computed once per layout. */
  matches: Map<string, { set: SetInstance; indices: number[] | null; names: string[] }>;
}

/**
 * Followers of live data (`follow` queries): every stored sample is checked
 * against each follower's selector — once per set layout, then by index — and
 * the new points are delivered in one batch per ingested frame.
 */
export class Subscriptions {
  readonly #subs = new Set<Subscription>();

  get size(): number {
    return this.#subs.size;
  }

  add(selector: Selector, onPoints: (batch: FollowedPoints[]) => void): () => void {
    const sub: Subscription = { selector, onPoints, matches: new Map() };
    this.#subs.add(sub);
    return () => this.#subs.delete(sub);
  }

  /** Deliver a batch of stored samples to every follower whose selector matches. */
  publish(stored: readonly { live: LiveSet; sample: SetSample }[]): void {
    if (this.#subs.size === 0) return;
    for (const sub of this.#subs) {
      const batch: FollowedPoints[] = [];
      for (const { live, sample } of stored) {
        const m = this.#matchesOf(sub, live);
        if (!m.indices) continue;
        m.indices.forEach((i, k) => {
          const v = sample.values[i]!;
          if (sample.strings?.[i] === undefined)
            batch.push({ name: m.names[k]!, points: [[sample.timestampMs, v]] });
        });
      }
      if (batch.length > 0) sub.onPoints(batch);
    }
  }

  #matchesOf(sub: Subscription, live: LiveSet): { indices: number[] | null; names: string[] } {
    let m = sub.matches.get(live.key);
    if (m && m.set === live.set) return m;
    const indices: number[] = [];
    if (sub.selector.matchesSetPrefix(live.set.ous, live.set.host, live.set.groups)) {
      for (let i = 0; i < live.metricCount; i++) if (live.matches(sub.selector, i)) indices.push(i);
    }
    m = {
      set: live.set,
      indices: indices.length > 0 ? indices : null,
      names: indices.map((i) => formatName(live.nameAt(i))),
    };
    sub.matches.set(live.key, m);
    return m;
  }
}
