import type { KeyValue, WatchEvent } from './types.js';

/** One write inside a revision, as applied and as logged. */
export type Mutation =
  | { op: 'put'; key: string; value: string; lease: string | undefined }
  | { op: 'delete'; key: string };

/** The events one revision produced, in the order of its writes. */
export interface RevisionEvents {
  revision: number;
  events: WatchEvent[];
}

/** Everything needed to rebuild the state at `revision` (embedded snapshot body). */
export interface StateImage {
  revision: number;
  /** [key, value, createRevision, modRevision, lease or null], sorted by key. */
  kvs: [string, string, number, number, string | null][];
}

interface Entry {
  value: string;
  createRevision: number;
  modRevision: number;
  lease: string | undefined;
}

/**
 * The embedded store's data: a key map with a sorted key index (for prefix
 * listing), the global revision, a lease → keys index, and a bounded
 * history of recent revisions for watch replay. Pure and synchronous: the
 * caller decides about persistence and delivery.
 */
export class KvState {
  readonly #kv = new Map<string, Entry>();
  /** Keys in sorted order so prefix listing is a binary search plus a scan. */
  readonly #sorted: string[] = [];
  readonly #byLease = new Map<string, Set<string>>();
  readonly #history: RevisionEvents[] = [];
  readonly #historyLimit: number;
  #revision = 1;
  #compacted = 0;

  constructor(historyLimit: number) {
    this.#historyLimit = Math.max(1, historyLimit);
  }

  get revision(): number {
    return this.#revision;
  }

  /** Watches may replay revisions above this one only. */
  get compactedRevision(): number {
    return this.#compacted;
  }

  get(key: string): KeyValue | undefined {
    const e = this.#kv.get(key);
    return e === undefined ? undefined : toKeyValue(key, e);
  }

  list(prefix: string): KeyValue[] {
    const out: KeyValue[] = [];
    for (let i = lowerBound(this.#sorted, prefix); i < this.#sorted.length; i++) {
      const key = this.#sorted[i]!;
      if (!key.startsWith(prefix)) break;
      out.push(toKeyValue(key, this.#kv.get(key)!));
    }
    return out;
  }

  /** modRevision of `key`, 0 when absent (so a compare with 0 means "must not exist"). */
  modRevision(key: string): number {
    return this.#kv.get(key)?.modRevision ?? 0;
  }

  keysOfLease(lease: string): string[] {
    return [...(this.#byLease.get(lease) ?? [])].sort();
  }

  /** Every key attached to some lease. */
  leasedKeys(): string[] {
    return [...this.#byLease.values()].flatMap((keys) => [...keys]).sort();
  }

  /**
   * Apply `muts` as one revision. Returns undefined and changes nothing when
   * no mutation has an effect (deletes of absent keys), as etcd does not bump
   * the revision then.
   */
  apply(muts: readonly Mutation[]): RevisionEvents | undefined {
    if (!muts.some((m) => m.op === 'put' || this.#kv.has(m.key))) return undefined;
    const revision = this.#revision + 1;
    const events: WatchEvent[] = [];
    for (const m of muts) {
      if (m.op === 'put') {
        this.#put(m.key, m.value, m.lease, revision);
        events.push({ type: 'put', key: m.key, value: m.value, modRevision: revision });
      } else if (this.#remove(m.key)) {
        events.push({ type: 'delete', key: m.key, modRevision: revision });
      }
    }
    this.#revision = revision;
    const record = { revision, events };
    this.#history.push(record);
    if (this.#history.length > this.#historyLimit) {
      this.#compacted = this.#history.shift()!.revision;
    }
    return record;
  }

  /** Revisions after `afterRevision` still in history (caller checks compactedRevision first). */
  historyAfter(afterRevision: number, upToRevision: number): RevisionEvents[] {
    return this.#history.filter((r) => r.revision > afterRevision && r.revision <= upToRevision);
  }

  image(): StateImage {
    return {
      revision: this.#revision,
      kvs: this.#sorted.map((key) => {
        const e = this.#kv.get(key)!;
        return [key, e.value, e.createRevision, e.modRevision, e.lease ?? null];
      }),
    };
  }

  /** Load a snapshot into an empty state; history starts after it. */
  restore(image: StateImage): void {
    for (const [key, value, createRevision, modRevision, lease] of image.kvs) {
      this.#kv.set(key, { value, createRevision, modRevision, lease: lease ?? undefined });
      if (lease !== null) this.#index(key, lease);
    }
    this.#sorted.push(...[...this.#kv.keys()].sort());
    this.#revision = image.revision;
    this.#compacted = image.revision;
  }

  /** Forget history up to now (after a restart, only what the log holds is replayable). */
  compactHistory(revision: number): void {
    while (this.#history.length > 0 && this.#history[0]!.revision <= revision)
      this.#history.shift();
    this.#compacted = Math.max(this.#compacted, revision);
  }

  #put(key: string, value: string, lease: string | undefined, revision: number): void {
    const old = this.#kv.get(key);
    if (old === undefined) insertSorted(this.#sorted, key);
    else if (old.lease !== undefined) this.#unindex(key, old.lease);
    this.#kv.set(key, {
      value,
      createRevision: old?.createRevision ?? revision,
      modRevision: revision,
      lease,
    });
    if (lease !== undefined) this.#index(key, lease);
  }

  #remove(key: string): boolean {
    const old = this.#kv.get(key);
    if (old === undefined) return false;
    this.#kv.delete(key);
    this.#sorted.splice(lowerBound(this.#sorted, key), 1);
    if (old.lease !== undefined) this.#unindex(key, old.lease);
    return true;
  }

  #index(key: string, lease: string): void {
    const keys = this.#byLease.get(lease);
    if (keys === undefined) this.#byLease.set(lease, new Set([key]));
    else keys.add(key);
  }

  #unindex(key: string, lease: string): void {
    const keys = this.#byLease.get(lease);
    keys?.delete(key);
    if (keys?.size === 0) this.#byLease.delete(lease);
  }
}

function toKeyValue(key: string, e: Entry): KeyValue {
  return {
    key,
    value: e.value,
    modRevision: e.modRevision,
    createRevision: e.createRevision,
    lease: e.lease,
  };
}

/** First index whose key is ≥ `key` (keys compare by UTF-16 code units, which orders prefixes first). */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(sorted: string[], key: string): void {
  sorted.splice(lowerBound(sorted, key), 0, key);
}
