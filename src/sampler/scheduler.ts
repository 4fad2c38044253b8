import { toError } from '../common/index.js';
import type { Clock, TimerHandle } from '../common/index.js';
import { SAMPLER_ERROR_CODES, SamplerError } from './errors.js';

/** Shortest interval the scheduler accepts: below it timer jitter dominates. */
const MIN_INTERVAL_MS = 10;
const MAX_INTERVAL_MS = 86_400_000;

/** The work done at each slot. `slotMs` is the nominal grid time, not the time it started. */
export type TickFn = (slotMs: number, signal: AbortSignal) => Promise<void> | void;

export interface AlignedSchedulerOptions {
  readonly clock: Clock;
  /** Distance between slots, integer ms ≥ 10. */
  readonly intervalMs: number;
  /** Slots fall at k × intervalMs + offsetMs on the wall clock; 0 ≤ offset < interval. Default 0. */
  readonly offsetMs?: number;
  /** After this long a running tick is reported as overrun. Default: the interval. */
  readonly timeoutMs?: number;
  readonly tick: TickFn;
  /**
   * Receives what a tick throws or rejects with, and CANOPY_ERR_TICK_TIMEOUT
   * overrun reports. Never rethrown: background loops do not reject.
   */
  readonly onError: (err: Error, slotMs: number) => void;
}

/** Counters of one scheduler. */
export interface SchedulerStats {
  /** Ticks started. */
  readonly ticks: number;
  /** Slots that did not run: the previous tick was still running, or the process was late. */
  readonly skippedTicks: number;
  /** Ticks that ran past their timeout. */
  readonly overruns: number;
  /** Ticks that threw or rejected. */
  readonly errors: number;
  /** Slot time of the last tick started (NaN before the first). */
  readonly lastSlotMs: number;
  /** How late the last tick started after its slot. */
  readonly lastLatenessMs: number;
}

type State = 'idle' | 'running' | 'stopped';

/** Throw CANOPY_ERR_BAD_SCHEDULE unless interval and offset are usable. */
export function validateSchedule(intervalMs: number, offsetMs: number): void {
  if (
    !Number.isInteger(intervalMs) ||
    intervalMs < MIN_INTERVAL_MS ||
    intervalMs > MAX_INTERVAL_MS
  ) {
    throw new SamplerError(
      SAMPLER_ERROR_CODES.badSchedule,
      `interval must be an integer number of ms in ${MIN_INTERVAL_MS}..${MAX_INTERVAL_MS}, got ${intervalMs}`,
    );
  }
  if (!Number.isInteger(offsetMs) || offsetMs < 0 || offsetMs >= intervalMs) {
    throw new SamplerError(
      SAMPLER_ERROR_CODES.badSchedule,
      `offset must be an integer number of ms in 0..${intervalMs - 1}, got ${offsetMs}`,
    );
  }
}

/**
 * Runs a tick at wall-clock times k × interval + offset (LDMS-style
 * synchronised sampling: every host of a cluster reads at the same instant).
 * Each deadline comes from the absolute grid, never from "now + interval", so
 * lateness never accumulates into drift. A slot that arrives while the
 * previous tick still runs is skipped and counted instead of overlapping.
 */
export class AlignedScheduler {
  readonly #clock: Clock;
  readonly #tick: TickFn;
  readonly #onError: (err: Error, slotMs: number) => void;
  readonly #timeoutMs: number | undefined;
  #intervalMs: number;
  #offsetMs: number;
  #state: State = 'idle';
  #timer: TimerHandle | null = null;
  #nextSlotMs = NaN;
  #lastSlotMs = NaN;
  #inFlight: Promise<void> | null = null;
  #abort: AbortController | null = null;
  #ticks = 0;
  #skipped = 0;
  #overruns = 0;
  #errors = 0;
  #lastLatenessMs = 0;

  constructor(options: AlignedSchedulerOptions) {
    const offsetMs = options.offsetMs ?? 0;
    validateSchedule(options.intervalMs, offsetMs);
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
      throw new SamplerError(
        SAMPLER_ERROR_CODES.badSchedule,
        `timeout must be positive, got ${options.timeoutMs}`,
      );
    }
    this.#clock = options.clock;
    this.#tick = options.tick;
    this.#onError = options.onError;
    this.#timeoutMs = options.timeoutMs;
    this.#intervalMs = options.intervalMs;
    this.#offsetMs = offsetMs;
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** Slots skipped so far (overlap or lateness). */
  get skippedTicks(): number {
    return this.#skipped;
  }

  /** Grid time of the next slot (NaN when not running). */
  get nextSlotMs(): number {
    return this.#state === 'running' ? this.#nextSlotMs : NaN;
  }

  stats(): SchedulerStats {
    return {
      ticks: this.#ticks,
      skippedTicks: this.#skipped,
      overruns: this.#overruns,
      errors: this.#errors,
      lastSlotMs: this.#lastSlotMs,
      lastLatenessMs: this.#lastLatenessMs,
    };
  }

  /**
   * Start at the first slot at or after now (and after `afterSlotMs` when
   * given: a scheduler taking over from another must not repeat the slot its
   * predecessor already ran). Idempotent; a stopped scheduler stays stopped.
   */
  start(afterSlotMs?: number): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    const now = this.#clock.now();
    const from =
      afterSlotMs === undefined || Number.isNaN(afterSlotMs) ? now : Math.max(now, afterSlotMs + 1);
    this.#arm(this.#slotAtOrAfter(from));
  }

  /**
   * Change interval and offset at runtime. The pending slot is replaced by
   * the first slot of the new grid after the last slot taken (and not in
   * the past); a tick in flight finishes undisturbed.
   */
  setSchedule(intervalMs: number, offsetMs: number): void {
    validateSchedule(intervalMs, offsetMs);
    this.#intervalMs = intervalMs;
    this.#offsetMs = offsetMs;
    if (this.#state !== 'running') return;
    const now = this.#clock.now();
    const after = Number.isNaN(this.#lastSlotMs) ? now : Math.max(now, this.#lastSlotMs + 1);
    this.#arm(this.#slotAtOrAfter(after));
  }

  /** Stop scheduling, signal the tick in flight (its AbortSignal) and wait for it to finish. */
  async shutdown(): Promise<void> {
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
    this.#abort?.abort(new SamplerError(SAMPLER_ERROR_CODES.tickTimeout, 'scheduler shut down'));
    await this.#inFlight;
  }

  #slotAtOrAfter(t: number): number {
    return Math.ceil((t - this.#offsetMs) / this.#intervalMs) * this.#intervalMs + this.#offsetMs;
  }

  #slotAtOrBefore(t: number): number {
    return Math.floor((t - this.#offsetMs) / this.#intervalMs) * this.#intervalMs + this.#offsetMs;
  }

  #arm(slotMs: number): void {
    this.#timer?.cancel();
    this.#nextSlotMs = slotMs;
    this.#timer = this.#clock.setTimeout(() => this.#fire(slotMs), slotMs - this.#clock.now());
  }

  #fire(targetMs: number): void {
    this.#timer = null;
    if (this.#state !== 'running') return;
    const now = this.#clock.now();
    if (now < targetMs) {
      // Timers may fire a little early, or the wall clock stepped back: aim again on the grid.
      this.#arm(Math.min(targetMs, this.#slotAtOrAfter(now)));
      return;
    }
    // When the process was late by more than an interval, run the latest due
    // slot and count the ones that passed unrun.
    const slotMs = this.#slotAtOrBefore(now);
    this.#skipped += Math.max(0, Math.round((slotMs - targetMs) / this.#intervalMs));
    this.#lastSlotMs = slotMs;
    if (this.#inFlight !== null) this.#skipped++;
    else this.#run(slotMs, now);
    this.#arm(slotMs + this.#intervalMs);
  }

  #run(slotMs: number, startMs: number): void {
    this.#ticks++;
    this.#lastLatenessMs = startMs - slotMs;
    const abort = new AbortController();
    const timeoutMs = this.#timeoutMs ?? this.#intervalMs;
    let done = false;
    const timeout = this.#clock.setTimeout(() => {
      if (done) return;
      this.#overruns++;
      const err = new SamplerError(
        SAMPLER_ERROR_CODES.tickTimeout,
        `tick of slot ${new Date(slotMs).toISOString()} still running after ${timeoutMs} ms`,
        { retryable: true },
      );
      this.#report(err, slotMs);
      abort.abort(err);
    }, timeoutMs);
    this.#abort = abort;
    // Start the tick from a microtask so that even a synchronous throw lands
    // in the catch below after #inFlight is set, never before.
    this.#inFlight = Promise.resolve()
      .then(() => this.#tick(slotMs, abort.signal))
      .catch((err: unknown) => {
        this.#errors++;
        this.#report(err, slotMs);
      })
      .finally(() => {
        done = true;
        timeout.cancel();
        this.#inFlight = null;
        this.#abort = null;
      });
  }

  #report(err: unknown, slotMs: number): void {
    try {
      this.#onError(toError(err), slotMs);
    } catch {
      // A failing error handler must not kill the loop; there is nowhere left to report to.
    }
  }
}
