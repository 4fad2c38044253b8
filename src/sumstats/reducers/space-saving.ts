import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';

/** One monitored key: `count` is an upper bound on its frequency, `count − error` a lower bound. */
export interface TopkEntry {
  key: string;
  count: number;
  error: number;
}

interface Candidate {
  key: string;
  upper: number;
  lower: number;
}

/**
 * Space-Saving (Metwally et al. 2005) with `capacity` counters, kept in a
 * min-heap so a hit or an eviction costs O(log capacity). Every count
 * overestimates its key's frequency by at most N/capacity.
 *
 * Empty slots count as counters holding `floor`: 0 for a fresh summary, the
 * merge threshold after a merge. A key that is not monitored occurred at most
 * `minCount()` times. With the Misra–Gries view (count − minCount), merge is
 * the mergeable-summaries merge of Agarwal et al. 2012, which keeps the
 * N/capacity bound through any tree of merges.
 */
export class SpaceSaving {
  readonly capacity: number;
  private readonly slotOf = new Map<string, number>();
  private keys: string[] = [];
  private counts = new Float64Array(0);
  private errs = new Float64Array(0);
  /** Heap of slots ordered by count; `pos[slot]` is the slot's heap index. */
  private heap = new Int32Array(0);
  private pos = new Int32Array(0);
  private size = 0;
  private floor = 0;
  /** Observations summarised (N). */
  total = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Upper bound on the frequency of any key that is not monitored. */
  minCount(): number {
    return this.size < this.capacity ? this.floor : this.counts[this.heap[0]!]!;
  }

  add(key: string): void {
    this.total++;
    const s = this.slotOf.get(key);
    if (s !== undefined) {
      this.counts[s]!++;
      this.siftDown(this.pos[s]!);
      return;
    }
    if (this.size < this.capacity) {
      this.insert(key, this.floor + 1, this.floor);
      return;
    }
    // Replace the minimum: the newcomer inherits its count as error.
    const root = this.heap[0]!;
    const min = this.counts[root]!;
    this.slotOf.delete(this.keys[root]!);
    this.keys[root] = key;
    this.slotOf.set(key, root);
    this.counts[root] = min + 1;
    this.errs[root] = min;
    this.siftDown(0);
  }

  private insert(key: string, count: number, err: number): void {
    if (this.size === this.counts.length) this.grow();
    const s = this.size++;
    this.keys[s] = key;
    this.slotOf.set(key, s);
    this.counts[s] = count;
    this.errs[s] = err;
    this.heap[s] = s;
    this.pos[s] = s;
    this.siftUp(s);
  }

  private grow(): void {
    const cap = Math.min(this.capacity, Math.max(16, this.counts.length * 2));
    const resize = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.counts = resize(this.counts, (n) => new Float64Array(n));
    this.errs = resize(this.errs, (n) => new Float64Array(n));
    this.heap = resize(this.heap, (n) => new Int32Array(n));
    this.pos = resize(this.pos, (n) => new Int32Array(n));
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    this.pos[b] = i;
    this.pos[a] = j;
  }

  private siftUp(i0: number): void {
    let i = i0;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.counts[this.heap[parent]!]! <= this.counts[this.heap[i]!]!) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i0: number): void {
    let i = i0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) return;
      const r = l + 1;
      const c = this.counts;
      const h = this.heap;
      const child = r < this.size && c[h[r]!]! < c[h[l]!]! ? r : l;
      if (c[h[i]!]! <= c[h[child]!]!) return;
      this.swap(i, child);
      i = child;
    }
  }

  /** Every monitored key, by count descending (ties by key, so the order is deterministic). */
  entries(): TopkEntry[] {
    const out: TopkEntry[] = [];
    for (let s = 0; s < this.size; s++) {
      out.push({ key: this.keys[s]!, count: this.counts[s]!, error: this.errs[s]! });
    }
    return out.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Merge another summary of the same capacity m. Each key's bounds add up
   * (a side that does not monitor it contributes 0 below and its minCount
   * above). When more than m keys remain, keep those whose upper bound beats
   * the m-th largest, which becomes the new floor: in Misra–Gries terms,
   * subtract the m-th largest combined counter and keep the positive ones.
   */
  mergeFrom(other: SpaceSaving): void {
    const muA = this.minCount();
    const muB = other.minCount();
    const cands: Candidate[] = [];
    for (let s = 0; s < this.size; s++) {
      const key = this.keys[s]!;
      const o = other.slotOf.get(key);
      const c = this.counts[s]!;
      const low = c - this.errs[s]!;
      if (o === undefined) cands.push({ key, upper: c + muB, lower: low });
      else
        cands.push({
          key,
          upper: c + other.counts[o]!,
          lower: low + other.counts[o]! - other.errs[o]!,
        });
    }
    for (let s = 0; s < other.size; s++) {
      const key = other.keys[s]!;
      if (this.slotOf.has(key)) continue;
      const c = other.counts[s]!;
      cands.push({ key, upper: muA + c, lower: c - other.errs[s]! });
    }
    cands.sort((a, b) => b.upper - a.upper);
    const m = this.capacity;
    const floor = cands.length <= m ? muA + muB : Math.max(muA + muB, cands[m - 1]!.upper);
    const total = this.total + other.total;
    this.reset();
    this.floor = floor;
    this.total = total;
    for (const c of cands) {
      if (cands.length > m && c.upper <= floor) break;
      this.insert(c.key, c.upper, c.upper - c.lower);
    }
  }

  private reset(): void {
    this.slotOf.clear();
    this.keys = [];
    this.size = 0;
    this.floor = 0;
    this.total = 0;
  }

  /** Approximate heap bytes: typed arrays plus a map entry and a string per key. */
  bytes(): number {
    let keyBytes = 0;
    for (let s = 0; s < this.size; s++) keyBytes += 80 + 2 * this.keys[s]!.length;
    return 96 + this.counts.length * 24 + keyBytes;
  }

  writeTo(w: ByteWriter): void {
    w.varuint(this.total);
    w.varuint(this.floor);
    w.varuint(this.size);
    for (let s = 0; s < this.size; s++) {
      w.string(this.keys[s]!);
      w.varuint(this.counts[s]!);
      w.varuint(this.errs[s]!);
    }
  }

  static readFrom(capacity: number, r: ByteReader): SpaceSaving {
    const out = new SpaceSaving(capacity);
    const total = r.varuint('topk total');
    const floor = r.varuint('topk floor');
    const n = r.count('topk counters', 3, capacity);
    out.floor = floor;
    for (let i = 0; i < n; i++) {
      const key = r.string('topk key');
      const count = r.varuint('topk count');
      const err = r.varuint('topk error');
      if (err > count || count < floor || out.slotOf.has(key)) {
        throw decodeError(`topk counter ${JSON.stringify(key)} ${count}±${err} is impossible`);
      }
      out.insert(key, count, err);
    }
    out.total = total;
    return out;
  }
}
