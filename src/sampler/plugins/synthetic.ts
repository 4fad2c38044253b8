import { isValidToken, metric, validateSchema } from '../../model/index.js';
import type { MetricDef, SetInstance, SetSchema } from '../../model/index.js';
import type { PluginContext, PluginSample, SamplerPlugin } from '../plugin.js';
import { PluginOptions } from './plugin-options.js';
import { SYNTH_KINDS, SyntheticModel } from './synthetic-model.js';

/** Default split: sets of at most this many metrics (a host's set stays a readable unit). */
const METRICS_PER_GROUP = 100;
/** Series held in memory (20 bytes each): 10 M ≈ 200 MB, the most one scale-test process should take. */
const MAX_SERIES = 10_000_000;

/** Options the synthetic plugin accepts. */
export const SYNTHETIC_OPTIONS = [
  'hosts',
  'metrics',
  'seed',
  'hostPrefix',
  'firstHost',
  'groups',
  'ou',
  'intervalMs',
] as const;

/** Resolved synthetic options. */
export interface SyntheticConfig {
  readonly hosts: number;
  readonly metrics: number;
  readonly seed: number;
  /** Host names are `${hostPrefix}${firstHost + i}`. */
  readonly hostPrefix: string;
  readonly firstHost: number;
  /** Sets per host; metrics are split into contiguous ranges. */
  readonly groups: number;
  readonly ous: readonly string[];
  /** Length of one tick of the value model; match the sampler interval. */
  readonly intervalMs: number;
}

/**
 * `synthetic` plugin: impersonates `hosts` hosts with `metrics` metrics each
 * for scale tests. Values are deterministic in (seed, host, metric, tick =
 * floor(t / intervalMs)); see SyntheticModel.
 */
export class SyntheticPlugin implements SamplerPlugin {
  readonly name = 'synthetic';
  readonly #config: SyntheticConfig;
  readonly #model: SyntheticModel;
  /** Metric range [start, end) of each group. */
  readonly #ranges: readonly (readonly [number, number])[];
  /** Set of (host h, group g) at index h * groups + g; built once, stable for the plugin's life. */
  readonly #sets: readonly SetInstance[];

  constructor(config: SyntheticConfig) {
    this.#config = config;
    this.#model = new SyntheticModel(config.seed, config.firstHost, config.hosts, config.metrics);
    this.#ranges = splitRanges(config.metrics, config.groups);
    const schemas = this.#ranges.map(([m0, m1]) => this.#schema(m0, m1));
    const sets: SetInstance[] = [];
    for (let h = 0; h < config.hosts; h++) {
      const host = `${config.hostPrefix}${config.firstHost + h}`;
      schemas.forEach((schema, g) => {
        const groups = config.groups === 1 ? ['synth'] : ['synth', `g${g}`];
        sets.push({ ous: config.ous, host, groups, schema });
      });
    }
    this.#sets = sets;
  }

  async sample(nowMs: number): Promise<PluginSample[]> {
    const { hosts, groups, intervalMs } = this.#config;
    this.#model.advance(Math.floor(nowMs / intervalMs));
    const out: PluginSample[] = new Array<PluginSample>(hosts * groups);
    for (let h = 0; h < hosts; h++) {
      for (let g = 0; g < groups; g++) {
        const [m0, m1] = this.#ranges[g]!;
        // A fresh array per sample: the daemon keeps samples in its replay buffer.
        const values = new Float64Array(m1 - m0);
        this.#model.fill(h, m0, m1, values);
        out[h * groups + g] = {
          set: this.#sets[h * groups + g]!,
          sample: { timestampMs: nowMs, values, strings: null },
        };
      }
    }
    return out;
  }

  #schema(m0: number, m1: number): SetSchema {
    const metrics: MetricDef[] = [];
    for (let m = m0; m < m1; m++) metrics.push(syntheticMetric(this.#model.kind(m), m));
    return validateSchema({ name: 'synth', metrics });
  }
}

function syntheticMetric(kind: number, m: number): MetricDef {
  if (kind === SYNTH_KINDS.gauge) {
    return metric(`gauge_${m}`, 'f64', 'instant', '', 'synthetic random-walk gauge');
  }
  if (kind === SYNTH_KINDS.counter) {
    return metric(`counter_${m}`, 'u64', 'counter', 'events', 'synthetic counter');
  }
  return metric(`const_${m}`, 'i64', 'discrete', '', 'synthetic constant');
}

/** Split [0, metrics) into `groups` contiguous ranges whose sizes differ by at most one. */
function splitRanges(metrics: number, groups: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let g = 0; g < groups; g++) {
    ranges.push([Math.floor((g * metrics) / groups), Math.floor(((g + 1) * metrics) / groups)]);
  }
  return ranges;
}

/** Parse and check the synthetic options (see SyntheticConfig). */
export function syntheticConfig(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SyntheticConfig {
  const o = new PluginOptions('synthetic', config, SYNTHETIC_OPTIONS);
  const hosts = o.int('hosts', 10, { min: 1, max: MAX_SERIES });
  const metrics = o.int('metrics', 100, { min: 1, max: 65535 });
  if (hosts * metrics > MAX_SERIES) {
    throw o.error('hosts', `hosts × metrics must be at most ${MAX_SERIES}, got ${hosts * metrics}`);
  }
  const groupsDefault = Math.ceil(metrics / METRICS_PER_GROUP);
  const groups = o.int('groups', groupsDefault, { min: 1, max: metrics });
  const hostPrefix = o.string('hostPrefix', 'synth-');
  const firstHost = o.int('firstHost', 0, { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (!isValidToken(`${hostPrefix}${firstHost}`)) {
    throw o.error('hostPrefix', `${JSON.stringify(hostPrefix)} does not make valid host names`);
  }
  const ous = o.stringArray('ou') ?? ctx.ous;
  const badOu = ous.find((ou) => !isValidToken(ou));
  if (ous.length === 0 || badOu !== undefined) {
    throw o.error('ou', `needs at least one valid OU token, got ${JSON.stringify(badOu ?? ous)}`);
  }
  return {
    hosts,
    metrics,
    seed: o.int('seed', 1, { min: 0, max: 0xffffffff }),
    hostPrefix,
    firstHost,
    groups,
    ous,
    intervalMs: o.int('intervalMs', 1000, { min: 10, max: 86_400_000 }),
  };
}

/** Factory for the registry. */
export function createSyntheticPlugin(
  ctx: PluginContext,
  config: Record<string, unknown>,
): SamplerPlugin {
  return new SyntheticPlugin(syntheticConfig(ctx, config));
}
