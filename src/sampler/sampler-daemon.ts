import type { Clock, Logger } from '../common/index.js';
import { toError } from '../common/index.js';
import { IngestServer, Uplinks, parseControl } from '../link/index.js';
import type { IngestStats, UplinkStats } from '../link/index.js';
import type { AuthConfig } from '../protocol/index.js';
import type { PluginSample, SamplerPlugin } from './plugin.js';
import { createPlugin } from './plugins/index.js';
import { AlignedScheduler } from './scheduler.js';
import { SendFilter } from './send-filter.js';
import type { SendFilterOptions } from './send-filter.js';

/** Reads this close to their slot are stamped with the slot time. */
const SNAP_TOLERANCE_MS = 20;

export interface PluginSpec {
  name: string;
  intervalMs: number;
  offsetMs: number;
  config: Record<string, unknown>;
}

export interface SamplerOptions {
  /** Name of this daemon in handshakes and logs. */
  name: string;
  host: string;
  ous: readonly string[];
  plugins: readonly PluginSpec[];
  /** Where samples go; absent = sample and buffer only (an aggregator may be configured later). */
  upstream?: { host: string; port: number; auth: AuthConfig } | undefined;
  /** Local listener for `canopy put` and for aggregators that pull; absent = none. */
  putListen?: { host: string; port: number; auth: AuthConfig } | undefined;
  replayBufferBytes: number;
  sendFilter?: SendFilterOptions | undefined;
  procRoot?: string;
  clock: Clock;
  logger: Logger;
  /** Called with every batch the sampler produces (the in-process stack uses it for stats). */
  onSamples?: (samples: readonly PluginSample[]) => void;
}

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

export interface SamplerStats {
  name: string;
  host: string;
  samplesProduced: number;
  valuesProduced: number;
  samplesFiltered: number;
  uplinks: UplinkStats[];
  listener: IngestStats | undefined;
  plugins: PluginStats[];
}

interface RunningPlugin {
  spec: PluginSpec;
  plugin: SamplerPlugin;
  scheduler: AlignedScheduler;
  stats: PluginStats;
}

/**
 * The per-host daemon: runs each plugin on its own wall-clock-aligned
 * schedule, puts every sample in the replay buffer and lets the upstream link
 * drain it. Samples received through `canopy put` join the same buffer.
 */
export class Sampler {
  readonly #o: SamplerOptions;
  readonly uplinks: Uplinks;
  readonly #put: IngestServer | undefined;
  readonly #filter: SendFilter | undefined;
  readonly #plugins: RunningPlugin[] = [];
  #produced = 0;
  #values = 0;
  #filtered = 0;

  constructor(options: SamplerOptions) {
    this.#o = options;
    this.#filter = options.sendFilter ? new SendFilter(options.sendFilter) : undefined;
    // Every destination (a pushed-to aggregator, each aggregator that pulls)
    // has its own bounded replay buffer of this host's samples.
    this.uplinks = new Uplinks({
      name: options.name,
      role: 'sampler',
      auth: options.upstream?.auth ?? options.putListen?.auth ?? { mode: 'none' },
      clock: options.clock,
      logger: options.logger.child({ component: 'link' }),
      bufferBytes: options.replayBufferBytes,
      onControl: (body) => this.#onControl(body),
    });
    if (options.upstream)
      this.uplinks.addPush({
        host: options.upstream.host,
        port: options.upstream.port,
        mode: 'full',
      });
    if (options.putListen) {
      this.#put = new IngestServer({
        ...options.putListen,
        name: options.name,
        logger: options.logger.child({ component: 'listener' }),
        uplinks: this.uplinks,
        onSamples: (_peer, samples) => {
          for (const s of samples) this.uplinks.offer('full', s.set, s.sample);
          this.uplinks.kick();
        },
      });
    }
    const ctx = {
      host: options.host,
      ous: options.ous,
      procRoot: options.procRoot ?? '/proc',
      clock: options.clock,
    };
    for (const spec of options.plugins) {
      const plugin = createPlugin(spec.name, ctx, spec.config);
      const stats: PluginStats = {
        name: spec.name,
        intervalMs: spec.intervalMs,
        offsetMs: spec.offsetMs,
        ticks: 0,
        errors: 0,
        skippedTicks: 0,
        lastLatenessMs: 0,
        lastError: undefined,
      };
      const running: RunningPlugin = {
        spec,
        plugin,
        stats,
        scheduler: undefined as unknown as AlignedScheduler,
      };
      running.scheduler = new AlignedScheduler({
        clock: options.clock,
        intervalMs: spec.intervalMs,
        offsetMs: spec.offsetMs,
        tick: (slotMs) => this.#tick(running, slotMs),
        onError: (err) => {
          stats.errors++;
          stats.lastError = toError(err).message;
          options.logger.warn('plugin sample failed', { plugin: spec.name, error: toError(err) });
        },
      });
      this.#plugins.push(running);
    }
  }

  /** Start sampling and connecting. Returns the put listener's port, if any. */
  async start(): Promise<{ putPort: number | undefined }> {
    const addr = this.#put ? await this.#put.listen() : undefined;
    this.uplinks.start();
    for (const p of this.#plugins) p.scheduler.start();
    this.#o.logger.info('sampler started', {
      host: this.#o.host,
      plugins: this.#plugins.map((p) => `${p.spec.name}@${p.spec.intervalMs}ms+${p.spec.offsetMs}`),
      upstream: this.#o.upstream ? `${this.#o.upstream.host}:${this.#o.upstream.port}` : null,
      putPort: addr?.port,
    });
    return { putPort: addr?.port };
  }

  async #tick(p: RunningPlugin, slotMs: number): Promise<void> {
    const samples = await p.plugin.sample(this.#stampFor(p, slotMs));
    p.stats.ticks++;
    p.stats.lastLatenessMs = this.#o.clock.now() - slotMs;
    p.stats.skippedTicks = p.scheduler.skippedTicks;
    let pushed = 0;
    for (const s of samples) {
      this.#produced++;
      this.#values += s.sample.values.length;
      if (this.#filter && !this.#filter.shouldSend(s.set, s.sample)) {
        this.#filtered++;
        continue;
      }
      this.uplinks.offer('full', s.set, s.sample);
      pushed++;
    }
    this.#o.onSamples?.(samples);
    if (pushed > 0) this.uplinks.kick();
  }

  /**
   * The timestamp of a sample. A read that starts within a few milliseconds of
   * its grid slot is stamped with the slot itself, so sets from every host line
   * up exactly and timestamps compress to nothing; a late read (a stalled event
   * loop) keeps its true time so rates are not distorted.
   */
  #stampFor(p: RunningPlugin, slotMs: number): number {
    const nowMs = this.#o.clock.now();
    const toleranceMs = Math.min(SNAP_TOLERANCE_MS, p.spec.intervalMs / 10);
    return Math.abs(nowMs - slotMs) <= toleranceMs ? slotMs : nowMs;
  }

  /** Runtime change of a plugin's interval/offset (from an upstream control message or the CLI). */
  setSchedule(pluginName: string, intervalMs: number, offsetMs: number): void {
    const p = this.#plugins.find((x) => x.spec.name === pluginName);
    if (!p) throw new RangeError(`no plugin named ${pluginName}`);
    p.scheduler.setSchedule(intervalMs, offsetMs);
    p.stats.intervalMs = intervalMs;
    p.stats.offsetMs = offsetMs;
  }

  #onControl(body: unknown): void {
    const b = parseControl(body);
    if (b?.op === 'set-schedule') {
      try {
        this.setSchedule(b.plugin, b.intervalMs, b.offsetMs);
        this.#o.logger.info('schedule changed by upstream', {
          plugin: b.plugin,
          intervalMs: b.intervalMs,
          offsetMs: b.offsetMs,
        });
      } catch (err) {
        this.#o.logger.warn('rejected control message', { error: toError(err) });
      }
    } else {
      this.#o.logger.warn('unknown control message', { body });
    }
  }

  stats(): SamplerStats {
    return {
      name: this.#o.name,
      host: this.#o.host,
      samplesProduced: this.#produced,
      valuesProduced: this.#values,
      samplesFiltered: this.#filtered,
      uplinks: this.uplinks.stats(),
      listener: this.#put?.stats(),
      plugins: this.#plugins.map((p) => ({ ...p.stats, skippedTicks: p.scheduler.skippedTicks })),
    };
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.#plugins.map((p) => p.scheduler.shutdown()));
    await Promise.all(this.#plugins.map((p) => p.plugin.close?.()));
    await this.uplinks.close();
    await this.#put?.close();
  }
}
