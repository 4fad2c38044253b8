import type { Clock, Logger } from '../common/index.js';
import { toError } from '../common/index.js';
import { IngestServer, Uplinks, trySendControl } from '../link/index.js';
import type { IngestStats, UplinkStats } from '../link/index.js';
import type { AuthConfig } from '../protocol/index.js';
import { handleSamplerControl } from './control-handler.js';
import type { ConfigureResult, ControlReply } from './control-handler.js';
import type { PluginContext, PluginSample, PluginSpec, SamplerPlugin } from './plugin.js';
import { PluginRunner } from './plugin-runner.js';
import type { PluginStats } from './plugin-runner.js';
import { createPlugin } from './plugins/index.js';
import { planReconfigure } from './reconfigure.js';
import type { ReconfigurePlan } from './reconfigure.js';
import { SendFilter } from './send-filter.js';
import type { SendFilterOptions } from './send-filter.js';

/** Reads this close to their slot are stamped with the slot time. */
const SNAP_TOLERANCE_MS = 20;

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

export interface SamplerStats {
  name: string;
  host: string;
  samplesProduced: number;
  valuesProduced: number;
  samplesFiltered: number;
  /** Revision of the last `configure` applied; 0 while running the startup configuration. */
  configRevision: number;
  uplinks: UplinkStats[];
  listener: IngestStats | undefined;
  plugins: PluginStats[];
}

type SamplerState = 'idle' | 'running' | 'stopped';

/**
 * The per-host daemon: runs each plugin on its own wall-clock-aligned
 * schedule, puts every sample in the replay buffer and lets the upstream link
 * drain it. Samples received through `canopy put` join the same buffer. The
 * plugin list can be changed while it runs (`configure`).
 */
export class Sampler {
  readonly #o: SamplerOptions;
  readonly uplinks: Uplinks;
  readonly #put: IngestServer | undefined;
  readonly #filter: SendFilter | undefined;
  readonly #ctx: PluginContext;
  #plugins: PluginRunner[] = [];
  /** Stops of plugins removed or replaced at run time; shutdown waits for them. */
  readonly #stopping = new Set<Promise<void>>();
  #state: SamplerState = 'idle';
  #revision = 0;
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
      onControl: (body, reply) => this.#onControl(body, reply),
    });
    if (options.upstream)
      this.uplinks.addPush({
        host: options.upstream.host,
        port: options.upstream.port,
        mode: 'full',
      });
    if (options.putListen) this.#put = this.#listener(options.putListen);
    this.#ctx = {
      host: options.host,
      ous: options.ous,
      procRoot: options.procRoot ?? '/proc',
      clock: options.clock,
    };
    for (const spec of options.plugins)
      this.#plugins.push(this.#runner(spec, createPlugin(spec.name, this.#ctx, spec.config)));
  }

  #listener(listen: NonNullable<SamplerOptions['putListen']>): IngestServer {
    return new IngestServer({
      ...listen,
      name: this.#o.name,
      logger: this.#o.logger.child({ component: 'listener' }),
      uplinks: this.uplinks,
      onSamples: (_peer, samples) => {
        for (const s of samples) this.uplinks.offer('full', s.set, s.sample);
        this.uplinks.kick();
      },
      // Pullers send their control messages (configure) on the connection they
      // subscribed on; `canopy put` clients may not reconfigure the sampler.
      onControl: (peer, body, conn) => {
        if (peer.role !== 'aggregator') {
          this.#o.logger.warn('control message from a non-aggregator ignored', {
            peer: peer.name,
            role: peer.role,
          });
          return;
        }
        this.#onControl(body, (reply) => trySendControl(conn, reply));
      },
    });
  }

  #runner(spec: PluginSpec, plugin: SamplerPlugin): PluginRunner {
    return new PluginRunner({
      spec,
      plugin,
      clock: this.#o.clock,
      logger: this.#o.logger,
      tick: (runner, slotMs) => this.#tick(runner, slotMs),
    });
  }

  /** Start sampling and connecting. Returns the put listener's port, if any. */
  async start(): Promise<{ putPort: number | undefined }> {
    const addr = this.#put ? await this.#put.listen() : undefined;
    this.#state = 'running';
    this.uplinks.start();
    for (const p of this.#plugins) p.start();
    this.#o.logger.info('sampler started', {
      host: this.#o.host,
      plugins: this.#plugins.map((p) => `${p.spec.name}@${p.spec.intervalMs}ms+${p.spec.offsetMs}`),
      upstream: this.#o.upstream ? `${this.#o.upstream.host}:${this.#o.upstream.port}` : null,
      putPort: addr?.port,
    });
    return { putPort: addr?.port };
  }

  async #tick(p: PluginRunner, slotMs: number): Promise<void> {
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
  #stampFor(p: PluginRunner, slotMs: number): number {
    const nowMs = this.#o.clock.now();
    const toleranceMs = Math.min(SNAP_TOLERANCE_MS, p.scheduler.intervalMs / 10);
    return Math.abs(nowMs - slotMs) <= toleranceMs ? slotMs : nowMs;
  }

  /** Runtime change of a plugin's interval/offset (from an upstream control message or the CLI). */
  setSchedule(pluginName: string, intervalMs: number, offsetMs: number): void {
    const p = this.#plugins.find((x) => x.spec.name === pluginName);
    if (!p) throw new RangeError(`no plugin named ${pluginName}`);
    p.setSchedule(intervalMs, offsetMs);
  }

  /**
   * Make the running plugins match `plugins` (the full desired list) without
   * a restart: unchanged plugins keep running untouched, a new schedule is
   * applied in place, new options or a new plugin start a fresh instance, and
   * plugins no longer listed are stopped and closed. A list with a duplicate
   * name, a bad schedule or bad options is refused whole (nothing changes,
   * a warning says why). A revision not newer than the last one applied is
   * ignored, so several aggregators may send the same message. Never throws.
   */
  configure(plugins: readonly PluginSpec[], revision: number): ConfigureResult {
    const result: ConfigureResult = {
      revision,
      outcome: 'ignored',
      error: undefined,
      added: [],
      removed: [],
      rescheduled: [],
      replaced: [],
    };
    if (this.#state === 'stopped') return { ...result, outcome: 'rejected', error: 'shut down' };
    if (!(revision > this.#revision)) {
      if (revision < this.#revision)
        result.error = `revision ${revision} is older than the applied revision ${this.#revision}`;
      this.#o.logger.debug('configure ignored', { revision, applied: this.#revision });
      return result;
    }
    const prepared = this.#prepare(plugins);
    if (prepared instanceof Error) {
      this.#o.logger.warn('rejected configure', { revision, error: prepared });
      return { ...result, outcome: 'rejected', error: prepared.message };
    }
    this.#apply(plugins, prepared.plan, prepared.created);
    this.#revision = revision;
    const { plan } = prepared;
    const applied: ConfigureResult = {
      ...result,
      outcome: 'applied',
      added: plan.add.map((x) => x.name),
      removed: plan.remove,
      rescheduled: plan.reschedule.map((x) => x.name),
      replaced: plan.replace.map((x) => x.name),
    };
    const { added, removed, rescheduled, replaced } = applied;
    this.#o.logger.info('configuration applied', {
      revision,
      added,
      removed,
      rescheduled,
      replaced,
    });
    return applied;
  }

  /** Everything that can fail, done before anything changes: plan, then create new instances. */
  #prepare(
    plugins: readonly PluginSpec[],
  ): { plan: ReconfigurePlan; created: Map<string, SamplerPlugin> } | Error {
    const created = new Map<string, SamplerPlugin>();
    try {
      const plan = planReconfigure(
        this.#plugins.map((p) => p.spec),
        plugins,
      );
      for (const spec of [...plan.replace, ...plan.add])
        created.set(spec.name, createPlugin(spec.name, this.#ctx, spec.config));
      return { plan, created };
    } catch (err) {
      for (const p of created.values())
        p.close?.().catch((e: unknown) =>
          this.#o.logger.warn('plugin close failed', { plugin: p.name, error: toError(e) }),
        );
      return toError(err);
    }
  }

  /** Cannot fail: schedules were validated and instances created by #prepare. */
  #apply(
    desired: readonly PluginSpec[],
    plan: ReconfigurePlan,
    created: Map<string, SamplerPlugin>,
  ): void {
    const byName = new Map(this.#plugins.map((p) => [p.spec.name, p]));
    const lastSlots = new Map<string, number>();
    for (const name of [...plan.remove, ...plan.replace.map((s) => s.name)]) {
      const old = byName.get(name);
      if (old) {
        lastSlots.set(name, old.scheduler.stats().lastSlotMs);
        this.#stop(old);
      }
      byName.delete(name);
    }
    for (const spec of plan.reschedule)
      byName.get(spec.name)?.setSchedule(spec.intervalMs, spec.offsetMs);
    for (const [name, plugin] of created) {
      const spec = desired.find((s) => s.name === name)!;
      const runner = this.#runner(spec, plugin);
      byName.set(name, runner);
      // A replacement continues after its predecessor's last slot: no repeated timestamp.
      if (this.#state === 'running') runner.start(lastSlots.get(name));
    }
    // Keep the order of the desired list (stats and logs follow it).
    this.#plugins = desired.map((s) => byName.get(s.name)!);
  }

  #stop(p: PluginRunner): void {
    const done = p.stop(this.#o.logger);
    this.#stopping.add(done);
    void done.then(() => this.#stopping.delete(done));
  }

  #onControl(body: unknown, reply: ControlReply | undefined): void {
    handleSamplerControl(this, body, reply, this.#o.logger);
  }

  stats(): SamplerStats {
    return {
      name: this.#o.name,
      host: this.#o.host,
      samplesProduced: this.#produced,
      valuesProduced: this.#values,
      samplesFiltered: this.#filtered,
      configRevision: this.#revision,
      uplinks: this.uplinks.stats(),
      listener: this.#put?.stats(),
      plugins: this.#plugins.map((p) => p.snapshot()),
    };
  }

  async shutdown(): Promise<void> {
    this.#state = 'stopped';
    await Promise.all(this.#plugins.map((p) => p.stop(this.#o.logger)));
    await Promise.all([...this.#stopping]);
    await this.uplinks.close();
    await this.#put?.close();
  }
}
