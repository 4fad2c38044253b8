import type { Clock, Logger } from '../common/index.js';
import { toError } from '../common/index.js';
import type { PluginSpec, SamplerPlugin } from './plugin.js';
import { AlignedScheduler } from './scheduler.js';

/** Counters of one running plugin. */
export interface PluginStats {
  name: string;
  intervalMs: number;
  offsetMs: number;
  ticks: number;
  errors: number;
  skippedTicks: number;
  lastLatenessMs: number;
  lastError: string | undefined;
}

export interface PluginRunnerOptions {
  spec: PluginSpec;
  plugin: SamplerPlugin;
  clock: Clock;
  logger: Logger;
  /** The work of one slot; failures are counted and logged, never rethrown. */
  tick: (runner: PluginRunner, slotMs: number) => Promise<void>;
}

/**
 * One plugin instance on its own aligned schedule. The unit the sampler
 * starts, reschedules and stops when its configuration changes at run time.
 */
export class PluginRunner {
  readonly plugin: SamplerPlugin;
  readonly scheduler: AlignedScheduler;
  readonly stats: PluginStats;
  #spec: PluginSpec;
  #stopped: Promise<void> | undefined;

  constructor(o: PluginRunnerOptions) {
    this.#spec = o.spec;
    this.plugin = o.plugin;
    const stats: PluginStats = {
      name: o.spec.name,
      intervalMs: o.spec.intervalMs,
      offsetMs: o.spec.offsetMs,
      ticks: 0,
      errors: 0,
      skippedTicks: 0,
      lastLatenessMs: 0,
      lastError: undefined,
    };
    this.stats = stats;
    this.scheduler = new AlignedScheduler({
      clock: o.clock,
      intervalMs: o.spec.intervalMs,
      offsetMs: o.spec.offsetMs,
      tick: (slotMs) => o.tick(this, slotMs),
      onError: (err) => {
        stats.errors++;
        stats.lastError = err.message;
        o.logger.warn('plugin sample failed', { plugin: o.spec.name, error: err });
      },
    });
  }

  /** What this plugin runs now (the schedule follows runtime changes). */
  get spec(): PluginSpec {
    return this.#spec;
  }

  /** Start sampling; `afterSlotMs` skips slots up to a predecessor's last one. */
  start(afterSlotMs?: number): void {
    this.scheduler.start(afterSlotMs);
  }

  /** Change the schedule in place; throws CANOPY_ERR_BAD_SCHEDULE and changes nothing when invalid. */
  setSchedule(intervalMs: number, offsetMs: number): void {
    this.scheduler.setSchedule(intervalMs, offsetMs);
    this.#spec = { ...this.#spec, intervalMs, offsetMs };
    this.stats.intervalMs = intervalMs;
    this.stats.offsetMs = offsetMs;
  }

  /**
   * Stop scheduling, wait for the tick in flight, then release the plugin.
   * Idempotent; never rejects (a failing close is logged).
   */
  stop(logger: Logger): Promise<void> {
    this.#stopped ??= (async () => {
      await this.scheduler.shutdown();
      try {
        await this.plugin.close?.();
      } catch (err) {
        logger.warn('plugin close failed', { plugin: this.#spec.name, error: toError(err) });
      }
    })();
    return this.#stopped;
  }

  snapshot(): PluginStats {
    return { ...this.stats, skippedTicks: this.scheduler.skippedTicks };
  }
}
