import type { Clock, Logger } from '../common/index.js';
import type { ReducerResult } from './reducers/index.js';
import { validateSumStatDef } from './definition.js';
import type { SumStatDef } from './definition.js';
import { SUMSTATS_ENGINE_ERROR_CODES, SumStatsEngineError } from './errors.js';
import type { EpochResult, ObservationEvent, ThresholdCrossing } from './events.js';
import { SumStatRun, encodedOf, valueOfKey, valueOfResults } from './key-state.js';
import type { KeyState, Target } from './key-state.js';
import { advance, nearDue } from './threshold.js';
import type { StepTracker, ThresholdPlan } from './threshold.js';

/** Options of `SumStatsEngine`. */
export interface SumStatsEngineOptions {
  clock: Clock;
  logger: Logger;
  /** A threshold or series step crossed (local, or global through `checkMerged`). */
  onCrossing?: (c: ThresholdCrossing) => void;
  /** An epoch ended (timer or `endEpoch`); not called by `drain`. */
  onEpoch?: (r: EpochResult) => void;
  /** A key first reached `earlyShare × next step` in this epoch (once per key, epoch and step). */
  onNearThreshold?: (sumstat: string, key: string, value: number) => void;
  /** Keys kept per sumstat per epoch; observations of further keys are dropped and counted. Default 1 000 000. */
  maxKeys?: number;
}

/** What `list()` reports per sumstat. */
export interface SumStatInfo {
  def: SumStatDef;
  keys: number;
  bytes: number;
  epochStartMs: number;
  /** Observations dropped in this epoch because the key cap was reached. */
  droppedObservations: number;
  /** A replacement waiting for the next epoch, if any. */
  pending?: SumStatDef;
}

const DEFAULT_MAX_KEYS = 1_000_000;

/**
 * The local summary-statistics engine (Zeek SumStats model): keyed
 * observation streams feed mergeable reducers per sumstat; epochs end on
 * wall-clock multiples of `epochMs` or on demand; thresholds and series fire
 * once per key and step per epoch.
 *
 * Thresholds are checked lazily: `observe` only marks the key dirty, and the
 * dirty keys are checked in a microtask (or at the end of `observeBatch`, or
 * by `flush()`), so the value is computed once per changed key per batch
 * rather than once per observation.
 */
export class SumStatsEngine {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onCrossing: ((c: ThresholdCrossing) => void) | undefined;
  readonly #onEpoch: ((r: EpochResult) => void) | undefined;
  readonly #onNear: ((sumstat: string, key: string, value: number) => void) | undefined;
  readonly #maxKeys: number;
  readonly #runs = new Map<string, SumStatRun>();
  #index = new Map<string, Target[]>();
  #dirtyRuns: SumStatRun[] = [];
  #flushQueued = false;
  #closed = false;
  readonly #flushTask = (): void => this.flush();

  constructor(o: SumStatsEngineOptions) {
    this.#clock = o.clock;
    this.#logger = o.logger;
    this.#onCrossing = o.onCrossing;
    this.#onEpoch = o.onEpoch;
    this.#onNear = o.onNearThreshold;
    this.#maxKeys = o.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /**
   * Define a sumstat (validated; throws `CANOPY_ERR_SUMSTATS_DEF`). A new name
   * starts at once; an existing one is replaced when its current epoch ends,
   * so no epoch mixes two definitions.
   */
  define(def: SumStatDef): void {
    if (this.#closed) throw closedError();
    const where = typeof def?.name === 'string' ? `sumstats.${def.name}` : 'sumstats';
    const clean = validateSumStatDef(def, where);
    const existing = this.#runs.get(clean.name);
    if (existing !== undefined) {
      existing.pending = clean;
      return;
    }
    const run = new SumStatRun(clean, this.#clock.now(), this.#maxKeys);
    this.#runs.set(clean.name, run);
    this.#rebuildIndex();
    this.#ensureTimer(run);
  }

  /** Drop a sumstat and its state at once (no epoch result). */
  remove(name: string): void {
    const run = this.#run(name);
    run.timer?.cancel();
    run.removed = true;
    this.#runs.delete(name);
    this.#rebuildIndex();
  }

  /** Feed one observation. Hot path: no allocation for a known key. */
  observe(ev: ObservationEvent): void {
    const targets = this.#index.get(ev.stream);
    // The typeof check keeps a malformed event from an untrusted caller from
    // throwing inside a key function.
    if (targets === undefined || typeof ev.key !== 'string') return;
    for (let t = 0; t < targets.length; t++) this.#feed(targets[t]!, ev);
  }

  /** Feed many observations, then check thresholds of the keys they changed. */
  observeBatch(evs: readonly ObservationEvent[]): void {
    for (let i = 0; i < evs.length; i++) this.observe(evs[i]!);
    this.flush();
  }

  /** Check thresholds of every key changed since the last check (normally automatic). */
  flush(): void {
    this.#flushQueued = false;
    while (this.#dirtyRuns.length > 0) {
      const runs = this.#dirtyRuns;
      this.#dirtyRuns = [];
      const atMs = this.#clock.now();
      for (const run of runs) {
        const list = run.state.dirty;
        run.state.dirty = [];
        const plan = run.plan;
        for (const ks of list) {
          ks.dirty = false;
          if (plan !== undefined && !run.removed) this.#check(run, plan, ks, atMs);
        }
      }
    }
  }

  /**
   * End the current epoch now: fires `onEpoch` and returns the result. Used
   * for manual epochs; on a timed sumstat the next epoch still ends at the
   * next wall-clock boundary.
   */
  endEpoch(name: string): EpochResult {
    const run = this.#run(name);
    const nowMs = this.#clock.now();
    return this.#finish(run, nowMs, nowMs);
  }

  /** This node's state of one key as encoded reducers; undefined for an unknown sumstat or key. */
  keyState(name: string, key: string): Record<string, Uint8Array> | undefined {
    const run = this.#runs.get(name);
    const ks = run?.state.keys.get(key);
    return run === undefined || ks === undefined ? undefined : encodedOf(ks, run.layout);
  }

  /**
   * End the local epoch without firing `onEpoch`, returning every key's
   * encoded reducers (for the distribution layer to merge elsewhere).
   */
  drain(name: string): { epochStartMs: number; keys: Map<string, Record<string, Uint8Array>> } {
    const run = this.#run(name);
    this.flush();
    const old = run.state;
    const keys = old.encoded(run.layout);
    this.#restart(run, this.#clock.now());
    return { epochStartMs: old.epochStartMs, keys };
  }

  /**
   * Evaluate the threshold on externally merged results (the manager's global
   * view). Every step newly crossed fires `onCrossing` with `global: true`, in
   * order, at most once per key and step per epoch; the return value is the
   * highest of them (already reported: do not forward it again).
   */
  checkMerged(
    name: string,
    key: string,
    results: Record<string, ReducerResult>,
    atMs: number,
  ): ThresholdCrossing | undefined {
    const run = this.#run(name);
    const plan = run.plan;
    if (plan === undefined) return undefined;
    const state = run.state;
    let tracker = state.global.get(key);
    if (tracker === undefined) {
      if (state.global.size >= this.#maxKeys) return undefined;
      tracker = { crossed: 0, near: 0 };
      state.global.set(key, tracker);
    }
    const value = this.#value(run, () => valueOfResults(plan.source, run.layout, results));
    return this.#cross(run, plan, tracker, key, value, atMs, true);
  }

  /** Every sumstat with its key count, bytes held and current epoch start. */
  list(): SumStatInfo[] {
    return [...this.#runs.values()].map((run) => {
      const info: SumStatInfo = {
        def: run.def,
        keys: run.state.keys.size,
        bytes: run.state.bytes(),
        epochStartMs: run.state.epochStartMs,
        droppedObservations: run.state.dropped,
      };
      if (run.pending !== undefined) info.pending = run.pending;
      return info;
    });
  }

  /** Stop every timer and drop all state; later `define` calls throw `CANOPY_ERR_SUMSTATS_CLOSED`. */
  close(): void {
    this.#closed = true;
    for (const run of this.#runs.values()) {
      run.timer?.cancel();
      run.removed = true;
    }
    this.#runs.clear();
    this.#index = new Map();
    this.#dirtyRuns = [];
  }

  #feed(target: Target, ev: ObservationEvent): void {
    const key = target.keyOf(ev);
    if (key === undefined) return;
    const run = target.run;
    const members = target.members;
    let ks: KeyState | undefined;
    for (let m = 0; m < members.length; m++) {
      const member = members[m]!;
      if (member.pred !== undefined && !member.pred(ev)) continue;
      if (ks === undefined) {
        ks = run.state.key(key);
        if (ks === undefined) return;
      }
      ks.add(member.slot, member.spec, ev);
    }
    // A key past its last step has nothing left to cross or announce this
    // epoch: skip the (possibly costly) value computation for it.
    const plan = run.plan;
    if (ks !== undefined && plan !== undefined && !ks.dirty && ks.crossed < plan.steps.length)
      this.#markDirty(run, ks);
  }

  #markDirty(run: SumStatRun, ks: KeyState): void {
    ks.dirty = true;
    if (run.state.dirty.length === 0) this.#dirtyRuns.push(run);
    run.state.dirty.push(ks);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushTask);
    }
  }

  #check(run: SumStatRun, plan: ThresholdPlan, ks: KeyState, atMs: number): void {
    const value = this.#value(run, () => valueOfKey(plan.source, run.layout, ks));
    this.#cross(run, plan, ks, ks.key, value, atMs, false);
    if (this.#onNear !== undefined && nearDue(ks, plan.steps, value, plan.earlyShare)) {
      const onNear = this.#onNear;
      this.#safely('onNearThreshold', () => onNear(run.def.name, ks.key, value));
    }
  }

  #cross(
    run: SumStatRun,
    plan: ThresholdPlan,
    tracker: StepTracker,
    key: string,
    value: number,
    atMs: number,
    global: boolean,
  ): ThresholdCrossing | undefined {
    const from = advance(tracker, plan.steps, value);
    let last: ThresholdCrossing | undefined;
    for (let index = from; index < tracker.crossed; index++) {
      const threshold = plan.steps[index]!;
      const sumstat = run.def.name;
      last = {
        sumstat,
        key,
        value,
        threshold,
        index,
        epochStartMs: run.state.epochStartMs,
        atMs,
        global,
      };
      const crossing = last;
      const onCrossing = this.#onCrossing;
      if (onCrossing !== undefined) this.#safely('onCrossing', () => onCrossing(crossing));
    }
    return last;
  }

  /** A user value function must not break the engine: a throw reads as NaN (no crossing), logged once per epoch. */
  #value(run: SumStatRun, compute: () => number): number {
    try {
      return compute();
    } catch (err) {
      if (run.errorEpochMs !== run.state.epochStartMs) {
        run.errorEpochMs = run.state.epochStartMs;
        this.#logger.error('sumstats threshold value function threw', {
          sumstat: run.def.name,
          err,
        });
      }
      return NaN;
    }
  }

  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#logger.error(`sumstats ${what} callback threw`, { err });
    }
  }

  #finish(run: SumStatRun, endMs: number, nextStartMs: number): EpochResult {
    this.flush();
    const old = run.state;
    const result: EpochResult = {
      sumstat: run.def.name,
      epochStartMs: old.epochStartMs,
      epochEndMs: endMs,
      keys: old.results(run.layout),
      complete: true,
      missing: [],
    };
    if (old.dropped > 0)
      this.#logger.warn('sumstats key cap reached; observations dropped', {
        sumstat: run.def.name,
        maxKeys: this.#maxKeys,
        dropped: old.dropped,
      });
    this.#restart(run, nextStartMs);
    const onEpoch = this.#onEpoch;
    if (onEpoch !== undefined) this.#safely('onEpoch', () => onEpoch(result));
    return result;
  }

  /** Start a new epoch; a pending definition takes effect here (index, and timer if its epoch changed). */
  #restart(run: SumStatRun, startMs: number): void {
    const epochMs = run.def.epochMs;
    if (!run.restart(startMs)) return;
    this.#rebuildIndex();
    if (run.def.epochMs !== epochMs) {
      run.timer?.cancel();
      run.timer = undefined;
      this.#ensureTimer(run);
    }
  }

  #ensureTimer(run: SumStatRun): void {
    const epochMs = run.def.epochMs;
    if (epochMs === null || run.timer !== undefined || run.removed) return;
    const nowMs = this.#clock.now();
    run.nextBoundaryMs = (Math.floor(nowMs / epochMs) + 1) * epochMs;
    run.timer = this.#clock.setTimeout(() => this.#onTimer(run), run.nextBoundaryMs - nowMs);
  }

  #onTimer(run: SumStatRun): void {
    run.timer = undefined;
    if (run.removed) return;
    const endMs = run.nextBoundaryMs;
    const epochMs = run.def.epochMs ?? 0;
    const nowMs = this.#clock.now();
    // After a stall longer than an epoch the skipped epochs were empty: the
    // next one starts at the boundary that contains now, not in the past.
    const nextStartMs =
      epochMs > 0 && nowMs >= endMs + epochMs ? Math.floor(nowMs / epochMs) * epochMs : endMs;
    this.#finish(run, endMs, nextStartMs);
    this.#ensureTimer(run);
  }

  #rebuildIndex(): void {
    const index = new Map<string, Target[]>();
    for (const run of this.#runs.values()) {
      for (const [stream, targets] of run.targets) {
        const list = index.get(stream) ?? [];
        list.push(...targets);
        index.set(stream, list);
      }
    }
    this.#index = index;
  }

  #run(name: string): SumStatRun {
    const run = this.#runs.get(name);
    if (run === undefined)
      throw new SumStatsEngineError(
        this.#closed
          ? SUMSTATS_ENGINE_ERROR_CODES.closed
          : SUMSTATS_ENGINE_ERROR_CODES.unknownSumStat,
        this.#closed ? 'the sumstats engine is closed' : `no sumstat named ${JSON.stringify(name)}`,
      );
    return run;
  }
}

function closedError(): SumStatsEngineError {
  return new SumStatsEngineError(
    SUMSTATS_ENGINE_ERROR_CODES.closed,
    'the sumstats engine is closed',
  );
}
