import { compileSelector, setInstanceKey } from '../model/index.js';
import type { MetricName, Selector, SetInstance, SetSample } from '../model/index.js';
import { defError } from './errors.js';
import type { SumStatsEngine } from './engine.js';
import type { ObservationEvent } from './events.js';

/** How a metric sample's observation is keyed: by host, by full OU path, or by an OU prefix. */
export type MetricKeyMode = 'host' | 'ou' | { ouDepth: number };

/** One rule: metrics matching `select` become observations on `stream`. */
export interface MetricSourceRule {
  /** A selector over metric names, e.g. `World:US::*:cpu:user`. */
  select: string;
  stream: string;
  key: MetricKeyMode;
}

/** Options of `MetricSource`. */
export interface MetricSourceOptions {
  engine: SumStatsEngine;
  rules: MetricSourceRule[];
}

interface CompiledRule {
  readonly selector: Selector;
  readonly stream: string;
  readonly key: MetricKeyMode;
}

/** Which metric indexes of one set each rule selects, and the key it gets; computed once per set layout. */
interface SetPlan {
  readonly schema: SetInstance['schema'];
  readonly perRule: readonly { readonly indexes: readonly number[]; readonly key: string }[];
}

/** Set layouts remembered by instance key; dropped when full so a churn of sets cannot grow memory. */
const PLAN_CACHE_MAX = 65_536;

function ruleKey(set: SetInstance, mode: MetricKeyMode): string {
  if (mode === 'host') return set.host;
  const ous = mode === 'ou' ? set.ous : set.ous.slice(0, mode.ouDepth);
  return ous.join(':');
}

function metricName(set: SetInstance, metric: string): MetricName {
  const parts = metric.split(':');
  const last = parts.pop() ?? metric;
  return { ous: set.ous, host: set.host, groups: [...set.groups, ...parts], metric: last };
}

function compileRules(rules: readonly MetricSourceRule[]): CompiledRule[] {
  if (!Array.isArray(rules)) throw defError('rules', 'must be an array');
  return rules.map((r, i) => {
    const where = `rules[${i}]`;
    if (typeof r.stream !== 'string' || r.stream.length === 0)
      throw defError(`${where}.stream`, 'must be a non-empty string');
    const k = r.key;
    const okKey =
      k === 'host' ||
      k === 'ou' ||
      (typeof k === 'object' && k !== null && Number.isInteger(k.ouDepth) && k.ouDepth >= 1);
    if (!okKey) throw defError(`${where}.key`, "must be 'host', 'ou' or { ouDepth: N ≥ 1 }");
    let selector: Selector;
    try {
      selector = compileSelector(r.select);
    } catch (err) {
      throw defError(`${where}.select`, (err as Error).message, err);
    }
    return { selector, stream: r.stream, key: k };
  });
}

/**
 * Turn ingested metric samples into observations: every value of a selected
 * metric becomes one observation `{ num }` (or `{ str }` for a string metric)
 * on the rule's stream, keyed by host or OU, carrying `host` and the sample's
 * timestamp. Values that are NaN (missing) are skipped. Counters are observed
 * as their raw cumulative value.
 *
 * Matching is per set first (`matchesSetPrefix`), then per metric, and the
 * result is remembered per set layout, so a steady stream of samples costs one
 * map lookup per set and one `observe` per selected value.
 */
export class MetricSource {
  readonly #engine: SumStatsEngine;
  readonly #rules: readonly CompiledRule[];
  readonly #byObject = new WeakMap<SetInstance, SetPlan>();
  #byKey = new Map<string, SetPlan>();
  /**
   * One event reused for every observation: the engine never keeps it. Both
   * optional fields are always present (undefined when absent) so the object
   * keeps one shape; `undefined` reads as absent everywhere downstream.
   */
  readonly #ev = {
    stream: '',
    key: '',
    host: '',
    num: undefined as number | undefined,
    str: undefined as string | undefined,
    timeMs: 0,
  };

  constructor(o: MetricSourceOptions) {
    this.#engine = o.engine;
    this.#rules = compileRules(o.rules);
  }

  /** Observe every selected value of the samples, then check thresholds once. */
  onSamples(samples: readonly { set: SetInstance; sample: SetSample }[]): void {
    for (const { set, sample } of samples) this.#observeSample(set, sample);
    this.#engine.flush();
  }

  #observeSample(set: SetInstance, sample: SetSample): void {
    const plan = this.#plan(set);
    const ev = this.#ev;
    ev.host = set.host;
    ev.timeMs = sample.timestampMs;
    const metrics = set.schema.metrics;
    for (let r = 0; r < plan.perRule.length; r++) {
      const { indexes, key } = plan.perRule[r]!;
      ev.stream = this.#rules[r]!.stream;
      ev.key = key;
      for (const i of indexes) {
        if (metrics[i]?.type === 'string') {
          const str = sample.strings?.[i];
          if (str === undefined) continue;
          ev.num = undefined;
          ev.str = str;
        } else {
          const value = sample.values[i];
          if (value === undefined || Number.isNaN(value)) continue;
          ev.num = value;
          ev.str = undefined;
        }
        this.#engine.observe(ev as ObservationEvent);
      }
    }
  }

  #plan(set: SetInstance): SetPlan {
    const cached = this.#byObject.get(set);
    if (cached !== undefined && cached.schema === set.schema) return cached;
    const id = setInstanceKey(set);
    let plan = this.#byKey.get(id);
    if (plan === undefined || plan.schema !== set.schema) {
      plan = this.#computePlan(set);
      if (this.#byKey.size >= PLAN_CACHE_MAX) this.#byKey = new Map();
      this.#byKey.set(id, plan);
    }
    this.#byObject.set(set, plan);
    return plan;
  }

  #computePlan(set: SetInstance): SetPlan {
    const perRule = this.#rules.map((rule) => {
      const indexes: number[] = [];
      if (rule.selector.matchesSetPrefix(set.ous, set.host, set.groups)) {
        set.schema.metrics.forEach((m, i) => {
          if (rule.selector.matches(metricName(set, m.name))) indexes.push(i);
        });
      }
      return { indexes, key: ruleKey(set, rule.key) };
    });
    return { schema: set.schema, perRule };
  }
}
