import type { TimerHandle } from '../common/index.js';
import { createReducer } from './reducers/index.js';
import type { Observation, Reducer, ReducerResult, ReducerSpec } from './reducers/index.js';
import { compileWhere } from './definition.js';
import type { KeyMode, Predicate, SumStatDef } from './definition.js';
import type { ObservationEvent } from './events.js';
import { compileThreshold, scalarOf } from './threshold.js';
import type { StepTracker, ThresholdPlan, ValueSource } from './threshold.js';

/** Maps an event to the key a reducer groups it under; undefined drops it. */
export type KeyFn = (ev: ObservationEvent) => string | undefined;

/**
 * Normalised keys are cached because `host` and `ouDepth` slice strings, and
 * the hot path should not allocate for a key it has seen. Bounded: the cache
 * is dropped when full, so hostile key streams cost CPU, never memory.
 */
const KEY_CACHE_MAX = 8192;

function memoised(fn: (key: string) => string): (key: string) => string {
  let cache = new Map<string, string>();
  return (key) => {
    let out = cache.get(key);
    if (out === undefined) {
      out = fn(key);
      if (cache.size >= KEY_CACHE_MAX) cache = new Map();
      cache.set(key, out);
    }
    return out;
  };
}

/** The host of a key `ous::host[:…]`, or the key itself when it has no `::`. */
export function hostOfKey(key: string): string {
  const at = key.indexOf('::');
  if (at < 0) return key;
  const end = key.indexOf(':', at + 2);
  return end < 0 ? key.slice(at + 2) : key.slice(at + 2, end);
}

/** The first `depth` OU tokens of a key's OU part (the text before `::`, or all of it). */
export function ouPrefixOfKey(key: string, depth: number): string {
  const at = key.indexOf('::');
  const ous = at < 0 ? key : key.slice(0, at);
  let end = -1;
  for (let i = 0; i < depth; i++) {
    end = ous.indexOf(':', end + 1);
    if (end < 0) return ous;
  }
  return ous.slice(0, end);
}

/** Compile a validated key mode. */
export function compileKey(mode: KeyMode | undefined): KeyFn {
  if (mode === undefined || mode === 'as-is') return (ev) => ev.key;
  if (mode === 'lower') return (ev) => ev.key.toLowerCase();
  if (mode === 'host') {
    const fromKey = memoised(hostOfKey);
    return (ev) => ev.host ?? fromKey(ev.key);
  }
  const depth = mode.ouDepth;
  const prefix = memoised((key) => ouPrefixOfKey(key, depth));
  return (ev) => prefix(ev.key);
}

/** Stable text of a key mode, to group reducers that share one key lookup. */
export function keyModeId(mode: KeyMode | undefined): string {
  if (mode === undefined || typeof mode === 'string') return mode ?? 'as-is';
  return `ouDepth:${mode.ouDepth}`;
}

/**
 * One key of a sumstat in the current epoch: its reducers (created on the
 * first observation each one keeps) and where it stands against the threshold.
 */
export class KeyState implements StepTracker {
  readonly key: string;
  readonly reducers: (Reducer | undefined)[];
  /** Queued for a threshold check since the last flush. */
  dirty = false;
  crossed = 0;
  near = 0;

  constructor(key: string, slots: number) {
    this.key = key;
    // fill() keeps the array packed, so the hot-path index stays fast.
    this.reducers = new Array<Reducer | undefined>(slots).fill(undefined);
  }

  add(slot: number, spec: ReducerSpec, o: Observation): void {
    let r = this.reducers[slot];
    if (r === undefined) {
      r = createReducer(spec);
      this.reducers[slot] = r;
    }
    r.add(o);
  }
}

/** Reducer names and empty reducers of a definition, to fill results of reducers a key never fed. */
export interface SlotLayout {
  readonly names: readonly string[];
  readonly empties: readonly Reducer[];
}

/** Results of one key, per reducer name; a reducer that saw nothing gives its empty result. */
export function resultsOf(ks: KeyState, layout: SlotLayout): Record<string, ReducerResult> {
  const out: Record<string, ReducerResult> = {};
  for (let i = 0; i < layout.names.length; i++) {
    out[layout.names[i]!] = (ks.reducers[i] ?? layout.empties[i]!).result();
  }
  return out;
}

/** Encoded reducers of one key, per reducer name; reducers that saw nothing are absent. */
export function encodedOf(ks: KeyState, layout: SlotLayout): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (let i = 0; i < layout.names.length; i++) {
    const r = ks.reducers[i];
    if (r !== undefined) out[layout.names[i]!] = r.encode();
  }
  return out;
}

/** Rough fixed cost of a key beyond its reducers: Map entry, KeyState, array. */
const KEY_OVERHEAD_BYTES = 120;

/**
 * The keys of one sumstat in one epoch. A new epoch gets a new EpochState, so
 * every per-epoch tracker (crossed steps, near notices, global crossings)
 * resets by construction.
 */
export class EpochState {
  readonly epochStartMs: number;
  readonly keys = new Map<string, KeyState>();
  /** Keys changed since the last threshold check. */
  dirty: KeyState[] = [];
  /** Per key: steps crossed on merged results (`checkMerged`). */
  readonly global = new Map<string, StepTracker>();
  /** Observations dropped because the key cap was reached. */
  dropped = 0;
  readonly #slots: number;
  readonly #maxKeys: number;

  constructor(epochStartMs: number, slots: number, maxKeys: number) {
    this.epochStartMs = epochStartMs;
    this.#slots = slots;
    this.#maxKeys = maxKeys;
  }

  /** The state of `key`, created when new; undefined (and counted) once the key cap is reached. */
  key(key: string): KeyState | undefined {
    let ks = this.keys.get(key);
    if (ks === undefined) {
      if (this.keys.size >= this.#maxKeys) {
        this.dropped++;
        return undefined;
      }
      ks = new KeyState(key, this.#slots);
      this.keys.set(key, ks);
    }
    return ks;
  }

  /** Every key's results (for `onEpoch`). */
  results(layout: SlotLayout): Map<string, Record<string, ReducerResult>> {
    const out = new Map<string, Record<string, ReducerResult>>();
    for (const [key, ks] of this.keys) out.set(key, resultsOf(ks, layout));
    return out;
  }

  /** Every key's encoded reducers (for `drain`). */
  encoded(layout: SlotLayout): Map<string, Record<string, Uint8Array>> {
    const out = new Map<string, Record<string, Uint8Array>>();
    for (const [key, ks] of this.keys) out.set(key, encodedOf(ks, layout));
    return out;
  }

  /** Approximate bytes held: reducers' own estimates plus keys and bookkeeping. */
  bytes(): number {
    let total = 0;
    for (const [key, ks] of this.keys) {
      total += KEY_OVERHEAD_BYTES + 2 * key.length;
      for (const r of ks.reducers) if (r !== undefined) total += r.bytes();
    }
    return total;
  }
}

/**
 * The watched value of one key. A reducer the key never fed reads as its
 * empty result. A user function may throw; the caller decides what that means.
 */
export function valueOfKey(source: ValueSource, layout: SlotLayout, ks: KeyState): number {
  if (source.kind === 'function') return asNumber(source.fn(resultsOf(ks, layout)));
  const r = ks.reducers[source.slot] ?? layout.empties[source.slot];
  return r === undefined ? NaN : scalarOf(r.result(), source.field);
}

/** The watched value of externally merged results (by reducer name); a missing reducer reads as NaN. */
export function valueOfResults(
  source: ValueSource,
  layout: SlotLayout,
  results: Readonly<Record<string, ReducerResult>>,
): number {
  if (source.kind === 'function') return asNumber(source.fn(results));
  const name = layout.names[source.slot];
  const r = name === undefined ? undefined : results[name];
  return r === undefined ? NaN : scalarOf(r, source.field);
}

function asNumber(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

/** One reducer fed by a target: its slot, spec and compiled predicate. */
export interface Member {
  readonly slot: number;
  readonly spec: ReducerSpec;
  readonly pred: Predicate | undefined;
}

/** Reducers of one sumstat that read one stream with one key mode: one key lookup feeds them all. */
export interface Target {
  readonly run: SumStatRun;
  readonly keyOf: KeyFn;
  readonly members: Member[];
}

/**
 * A defined sumstat: its compiled definition (layout, threshold plan, stream
 * targets), its current epoch, a replacement waiting for the next epoch, and
 * the engine's timer bookkeeping.
 */
export class SumStatRun {
  def!: SumStatDef;
  layout!: SlotLayout;
  plan: ThresholdPlan | undefined;
  /** Stream name → targets, merged into the engine's index. */
  targets!: Map<string, Target[]>;
  state: EpochState;
  pending: SumStatDef | undefined;
  timer: TimerHandle | undefined;
  nextBoundaryMs = 0;
  removed = false;
  /** Epoch start of the last logged value-function error (one log per epoch). */
  errorEpochMs = NaN;
  readonly #maxKeys: number;

  constructor(def: SumStatDef, startMs: number, maxKeys: number) {
    this.#maxKeys = maxKeys;
    this.#apply(def);
    this.state = new EpochState(startMs, def.reducers.length, maxKeys);
  }

  /**
   * Start a new epoch at `startMs`, applying the pending definition first.
   * Returns true when the definition changed (the engine rebuilds its index).
   */
  restart(startMs: number): boolean {
    const next = this.pending;
    if (next !== undefined) {
      this.pending = undefined;
      this.#apply(next);
    }
    this.state = new EpochState(startMs, this.layout.names.length, this.#maxKeys);
    return next !== undefined;
  }

  #apply(def: SumStatDef): void {
    this.def = def;
    this.layout = {
      names: def.reducers.map((r) => r.name),
      empties: def.reducers.map((r) => createReducer(r.spec)),
    };
    this.plan = compileThreshold(def);
    this.targets = new Map();
    const byId = new Map<string, Target>();
    def.reducers.forEach((r, slot) => {
      const id = `${r.stream}\0${keyModeId(r.key)}`;
      let target = byId.get(id);
      if (target === undefined) {
        target = { run: this, keyOf: compileKey(r.key), members: [] };
        byId.set(id, target);
        const list = this.targets.get(r.stream) ?? [];
        list.push(target);
        this.targets.set(r.stream, list);
      }
      target.members.push({ slot, spec: r.spec, pred: compileWhere(r.where) });
    });
  }
}
