/**
 * Assigning producers to the live aggregators of one group with as few moves
 * as possible. Pure and deterministic: the same input gives the same output
 * whatever the order of its arrays and maps, so several controller instances
 * (or one that restarts) never disagree and never shuffle producers around.
 */

/** What an aggregator's load is measured in: producers, or their set weight. */
export const BALANCE_BY = ['count', 'weight'] as const;
export type BalanceBy = (typeof BALANCE_BY)[number];

/** Everything {@link balance} needs about one aggregator group. */
export interface BalanceInput {
  /** Weight > 0 (set size × updates/s); ignored for `'count'`. A bad weight counts as 0. */
  producers: readonly { name: string; weight: number }[];
  /** Live members of the group. */
  aggregators: readonly string[];
  /** Producer → aggregator it had (may name dead or unknown aggregators). */
  previous: ReadonlyMap<string, string>;
  by: BalanceBy;
  /** Upper bound on moves of producers that still have a live holder (orphans never count). Default Infinity. */
  maxMoves?: number;
}

/** One producer that changes holder. `from` is its previous holder (possibly dead), undefined when it had none. */
export interface Move {
  producer: string;
  from: string | undefined;
  to: string;
}

/** New assignment (producers with no live aggregator are absent), the moves, and each live aggregator's load. */
export interface BalanceResult {
  assignment: Map<string, string>;
  moves: Move[];
  loads: Map<string, number>;
}

/**
 * A move must shrink the gap by more than this fraction of it. Weights are
 * floats, so without a margin rounding could let two near-equal moves undo
 * each other; with it every move lowers Σ load² and the loop terminates.
 */
const MIN_GAIN = 1e-9;

/** Code-unit order, not locale order: every controller must sort the same way. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Producers deduplicated and ranked by (weight ascending, name ascending).
 * Ranks are small integers, so the per-aggregator ordered sets compare
 * numbers instead of (weight, name) pairs, and "lighter than w" is a rank range.
 */
interface ProducerTable {
  names: string[];
  weights: Float64Array;
  /** First rank with a positive weight: lighter producers are never worth moving. */
  firstPositive: number;
}

function producerTable(input: BalanceInput): ProducerTable {
  const byName = new Map<string, number>();
  for (const p of input.producers) {
    const w = input.by === 'count' ? 1 : Number.isFinite(p.weight) && p.weight > 0 ? p.weight : 0;
    // A duplicated name keeps its largest weight, whichever order the copies came in.
    byName.set(p.name, Math.max(w, byName.get(p.name) ?? 0));
  }
  const entries = [...byName].sort((a, b) => a[1] - b[1] || compareNames(a[0], b[0]));
  const weights = Float64Array.from(entries, (e) => e[1]);
  let firstPositive = 0;
  while (firstPositive < weights.length && weights[firstPositive]! <= 0) firstPositive++;
  return { names: entries.map((e) => e[0]), weights, firstPositive };
}

/** Index of the first element of an ascending array that is ≥ x (length when none). */
function firstAtLeast(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Ordered set of producer ranks held by one aggregator: sorted buckets of at
 * most BUCKET_MAX entries, so insert/delete cost a short splice instead of
 * shifting an array of every producer the aggregator holds.
 */
class RankSet {
  private static readonly BUCKET_MAX = 512;
  private readonly buckets: number[][] = [];

  /** Index of the first bucket whose last rank is ≥ r (buckets.length when none). */
  private bucketAtLeast(r: number): number {
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.buckets[mid]!;
      if (b[b.length - 1]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(r: number): void {
    if (this.buckets.length === 0) {
      this.buckets.push([r]);
      return;
    }
    const bi = Math.min(this.bucketAtLeast(r), this.buckets.length - 1);
    const b = this.buckets[bi]!;
    b.splice(firstAtLeast(b, r), 0, r);
    if (b.length > RankSet.BUCKET_MAX) this.buckets.splice(bi + 1, 0, b.splice(b.length >>> 1));
  }

  delete(r: number): void {
    const bi = this.bucketAtLeast(r);
    const b = this.buckets[bi];
    if (b === undefined) return;
    const i = firstAtLeast(b, r);
    if (b[i] !== r) return;
    b.splice(i, 1);
    if (b.length === 0) this.buckets.splice(bi, 1);
  }

  /** Largest rank ≤ r, or -1. */
  floor(r: number): number {
    const bi = this.bucketAtLeast(r);
    const b = this.buckets[bi];
    if (b !== undefined) {
      const i = firstAtLeast(b, r);
      if (b[i] === r) return r;
      if (i > 0) return b[i - 1]!;
    }
    const prev = this.buckets[bi - 1];
    return prev === undefined ? -1 : prev[prev.length - 1]!;
  }

  /** Smallest rank ≥ r, or -1. */
  ceil(r: number): number {
    const b = this.buckets[this.bucketAtLeast(r)];
    return b === undefined ? -1 : b[firstAtLeast(b, r)]!;
  }
}

/**
 * Binary heap of aggregator indices with a position index, so a changed load
 * re-sifts one entry in O(log A) instead of rescanning every aggregator.
 */
class AggregatorHeap {
  private readonly heap: number[] = [];
  private readonly pos: Int32Array;
  private readonly before: (a: number, b: number) => boolean;

  constructor(size: number, before: (a: number, b: number) => boolean) {
    this.pos = new Int32Array(size).fill(-1);
    this.before = before;
    for (let i = 0; i < size; i++) this.push(i);
  }

  top(): number | undefined {
    return this.heap[0];
  }

  has(i: number): boolean {
    return this.pos[i]! >= 0;
  }

  push(i: number): void {
    this.heap.push(i);
    this.pos[i] = this.heap.length - 1;
    this.up(this.heap.length - 1);
  }

  remove(i: number): void {
    const at = this.pos[i]!;
    const last = this.heap.pop()!;
    this.pos[i] = -1;
    if (last === i) return;
    this.heap[at] = last;
    this.pos[last] = at;
    this.update(last);
  }

  /** Restore heap order after `i`'s key changed. */
  update(i: number): void {
    const at = this.pos[i]!;
    if (at >= 0) this.down(this.up(at));
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    this.heap[a] = y;
    this.heap[b] = x;
    this.pos[y] = a;
    this.pos[x] = b;
  }

  private up(at: number): number {
    while (at > 0) {
      const parent = (at - 1) >>> 1;
      if (!this.before(this.heap[at]!, this.heap[parent]!)) break;
      this.swap(at, parent);
      at = parent;
    }
    return at;
  }

  private down(at: number): void {
    for (;;) {
      let best = at;
      for (const child of [2 * at + 1, 2 * at + 2]) {
        const c = this.heap[child];
        if (c !== undefined && this.before(c, this.heap[best]!)) best = child;
      }
      if (best === at) return;
      this.swap(at, best);
      at = best;
    }
  }
}

/** Mutable working state of one balance run; indices are ranks and sorted aggregator positions. */
interface State {
  table: ProducerTable;
  loads: Float64Array;
  /** Aggregator index per producer rank, -1 while unassigned. */
  holder: Int32Array;
  held: RankSet[];
  /** Ranks whose previous holder is live: moving these spends the maxMoves budget. */
  hasLiveHolder: Uint8Array;
}

function place(s: State, rank: number, agg: number): void {
  s.holder[rank] = agg;
  s.held[agg]!.add(rank);
  s.loads[agg]! += s.table.weights[rank]!;
}

/**
 * Rules (1) and (2): producers of a live aggregator stay; orphans go, heaviest
 * first (LPT), to the least-loaded aggregator, ties broken by name.
 */
function placeAll(s: State, aggIndex: ReadonlyMap<string, number>, input: BalanceInput): void {
  const { names, weights } = s.table;
  const orphans: number[] = [];
  for (let r = 0; r < names.length; r++) {
    const prev = input.previous.get(names[r]!);
    const agg = prev === undefined ? undefined : aggIndex.get(prev);
    if (agg === undefined) orphans.push(r);
    else {
      s.hasLiveHolder[r] = 1;
      place(s, r, agg);
    }
  }
  orphans.sort((a, b) => weights[b]! - weights[a]! || compareNames(names[a]!, names[b]!));
  const least = new AggregatorHeap(s.loads.length, (a, b) => lighter(s.loads, a, b));
  for (const r of orphans) {
    const agg = least.top()!;
    place(s, r, agg);
    least.update(agg);
  }
}

/** Min-heap order: lower load first, then lower index (= name order). */
function lighter(loads: Float64Array, a: number, b: number): boolean {
  return loads[a]! < loads[b]! || (loads[a] === loads[b] && a < b);
}

/** Max-heap order: higher load first, then lower index (= name order). */
function heavier(loads: Float64Array, a: number, b: number): boolean {
  return loads[a]! > loads[b]! || (loads[a] === loads[b] && a < b);
}

/**
 * The producer held by `from` whose move to an aggregator `gap` lighter best
 * closes the gap (weight nearest gap/2), among those that strictly shrink it
 * (0 < weight < gap); -1 when none does. Prefers the lighter one on a tie.
 */
function bestToMove(s: State, from: number, gap: number): number {
  const { weights, firstPositive } = s.table;
  const set = s.held[from]!;
  // The ideal weight is gap/2: the nearest candidates sit either side of it.
  const split = firstAtLeast(weights, gap / 2);
  const below = set.floor(split - 1);
  const above = set.ceil(split);
  const belowOk = below >= firstPositive;
  const aboveOk = above >= 0 && weights[above]! < gap * (1 - MIN_GAIN);
  if (belowOk && aboveOk) {
    return gap - 2 * weights[below]! <= 2 * weights[above]! - gap ? below : above;
  }
  return belowOk ? below : aboveOk ? above : -1;
}

/**
 * Rule (3): move from the most- to the least-loaded aggregator while that
 * strictly shrinks their gap. A donor whose producers are all too heavy is set
 * aside and the next most-loaded one gives instead, so a joining aggregator
 * still gets its share beside one huge producer. It stays aside until it
 * receives: the minimum load never falls, so its gap can only shrink.
 */
function rebalance(s: State, maxMoves: number): void {
  const { loads } = s;
  const least = new AggregatorHeap(loads.length, (a, b) => lighter(loads, a, b));
  const most = new AggregatorHeap(loads.length, (a, b) => heavier(loads, a, b));
  let budget = maxMoves;
  for (;;) {
    const to = least.top()!;
    const from = most.top();
    if (from === undefined || from === to) return;
    const rank = bestToMove(s, from, loads[from]! - loads[to]!);
    if (rank < 0) {
      most.remove(from);
      continue;
    }
    // Re-homing an orphan placed just above costs nothing: it moves anyway.
    if (s.hasLiveHolder[rank] === 1) {
      if (budget <= 0) return;
      budget--;
    }
    const w = s.table.weights[rank]!;
    s.held[from]!.delete(rank);
    loads[from]! -= w;
    place(s, rank, to);
    for (const heap of [least, most]) heap.update(from);
    least.update(to);
    if (most.has(to)) most.update(to);
    else most.push(to);
  }
}

function normalBudget(maxMoves: number | undefined): number {
  if (maxMoves === undefined) return Infinity;
  return Number.isNaN(maxMoves) ? 0 : Math.max(0, Math.floor(maxMoves));
}

/**
 * Assign producers to the live aggregators of a group: producers keep a live
 * holder, orphans fill the least-loaded aggregators, then producers move from
 * the most- to the least-loaded aggregator while that narrows the gap (count:
 * until max − min ≤ 1; weight: until no such move helps). A joining or
 * returning aggregator thus takes about its share and nothing else moves.
 * At most `maxMoves` producers with a live holder move. With no aggregators
 * every producer is left unassigned. O(P log P + M·(log A + log P)) for M moves.
 */
export function balance(input: BalanceInput): BalanceResult {
  const aggs = [...new Set(input.aggregators)].sort(compareNames);
  if (aggs.length === 0) return { assignment: new Map(), moves: [], loads: new Map() };
  const table = producerTable(input);
  const size = table.names.length;
  const s: State = {
    table,
    loads: new Float64Array(aggs.length),
    holder: new Int32Array(size).fill(-1),
    held: aggs.map(() => new RankSet()),
    hasLiveHolder: new Uint8Array(size),
  };
  placeAll(s, new Map(aggs.map((a, i) => [a, i])), input);
  rebalance(s, normalBudget(input.maxMoves));

  const assignment = new Map<string, string>();
  const moves: Move[] = [];
  // Summed afresh in rank order: the running loads carry float drift from moves.
  const totals = new Float64Array(aggs.length);
  for (let r = 0; r < size; r++) {
    const name = table.names[r]!;
    const agg = s.holder[r]!;
    const to = aggs[agg]!;
    const from = input.previous.get(name);
    assignment.set(name, to);
    totals[agg]! += table.weights[r]!;
    if (from !== to) moves.push({ producer: name, from, to });
  }
  moves.sort((a, b) => compareNames(a.producer, b.producer));
  return { assignment, moves, loads: new Map(aggs.map((a, i) => [a, totals[i]!])) };
}

/** Load spread: (max − min) / mean over aggregators (0 when perfect, empty or all idle). */
export function imbalance(loads: ReadonlyMap<string, number>): number {
  if (loads.size === 0) return 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of loads.values()) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const mean = sum / loads.size;
  return mean > 0 ? (max - min) / mean : 0;
}
