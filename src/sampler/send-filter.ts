import type { SetInstance, SetSample } from '../model/index.js';
import { SAMPLER_ERROR_CODES, SamplerError } from './errors.js';

/** A value threshold: exactly one of `absolute` and `relativePct`. */
export interface Threshold {
  /** Send when |value − last sent| > absolute. */
  readonly absolute?: number;
  /** Send when |value − last sent| > relativePct % of |last sent| (any change from 0). */
  readonly relativePct?: number;
}

/** A threshold for the metrics whose path matches `match`. */
export interface ThresholdRule extends Threshold {
  /**
   * Glob over the metric's path below the host: its set's groups and its
   * name, e.g. `cpu:cpu3:user`, `meminfo:MemFree`, `procstat:sshd-12:rss_bytes`.
   * `*` matches any run of characters (including `:`), `?` one character.
   */
  readonly match: string;
}

/** Options of value-threshold / time-threshold sending (Ganglia's value_threshold / time_threshold). */
export interface SendFilterOptions {
  /** Off by default: every sample is sent. */
  readonly enabled?: boolean;
  /** Time threshold: a set is sent at least this often even when nothing moved. Default 60 s. */
  readonly maxSilenceMs?: number;
  /**
   * Threshold of instant and discrete metrics no rule matches. Default
   * `{ absolute: 0 }`: any change is sent, so the default loses nothing.
   */
  readonly defaultThreshold?: Threshold;
  /** First matching rule wins. */
  readonly rules?: readonly ThresholdRule[];
}

/** Counts of decisions. */
export interface SendFilterStats {
  readonly sent: number;
  readonly suppressed: number;
}

const DEFAULT_MAX_SILENCE_MS = 60_000;

interface CompiledRule {
  readonly re: RegExp;
  readonly absolute: number;
  /** Fraction (pct / 100), or NaN when the rule is absolute. */
  readonly relative: number;
}

/** What one set needs: thresholds per metric, and the last values sent. */
interface SetState {
  readonly absolute: Float64Array;
  readonly relative: Float64Array;
  readonly values: Float64Array;
  strings: readonly (string | undefined)[] | null;
  lastSentMs: number;
}

/**
 * Decides per set sample whether it must go upstream. A sample is sent when
 * the set is new (a new SetInstance object, e.g. after a layout change), when
 * `maxSilenceMs` passed since the set was last sent, or when any metric moved
 * past its threshold. Counters: by default any change counts (delta ≠ 0), so
 * a busy counter is never delayed; a rule with `absolute` that matches a
 * counter applies to its delta since the last send (`relativePct` is
 * meaningless on a cumulative value and falls back to delta ≠ 0). Strings
 * count as changed when their text differs. A suppressed sample loses
 * resolution only: counters stay cumulative and the next sent sample carries
 * every value.
 */
export class SendFilter {
  readonly #enabled: boolean;
  readonly #maxSilenceMs: number;
  readonly #rules: readonly CompiledRule[];
  readonly #default: CompiledRule;
  /** Keyed by identity: plugins keep a SetInstance while its layout holds, so state dies with it. */
  #states = new WeakMap<SetInstance, SetState>();
  #sent = 0;
  #suppressed = 0;

  constructor(options: SendFilterOptions = {}) {
    this.#enabled = options.enabled ?? false;
    this.#maxSilenceMs = options.maxSilenceMs ?? DEFAULT_MAX_SILENCE_MS;
    if (!(this.#maxSilenceMs >= 0)) {
      throw configError('maxSilenceMs', `must be ≥ 0, got ${options.maxSilenceMs}`);
    }
    this.#default = compileThreshold(
      'defaultThreshold',
      '*',
      options.defaultThreshold ?? { absolute: 0 },
    );
    this.#rules = (options.rules ?? []).map((rule, i) =>
      compileThreshold(`rules[${i}]`, rule.match, rule),
    );
  }

  /** True when `sample` of `set` should be sent; a true answer records it as the last sent. */
  shouldSend(set: SetInstance, sample: SetSample): boolean {
    if (!this.#enabled) {
      this.#sent++;
      return true;
    }
    const state = this.#states.get(set);
    const send =
      state === undefined ||
      state.values.length !== sample.values.length ||
      !(sample.timestampMs - state.lastSentMs < this.#maxSilenceMs) ||
      sample.timestampMs < state.lastSentMs ||
      changed(state, sample);
    if (!send) {
      this.#suppressed++;
      return false;
    }
    this.#record(set, state, sample);
    this.#sent++;
    return true;
  }

  /** Drop the state of a set (the next sample of it is sent). */
  forget(set: SetInstance): void {
    this.#states.delete(set);
  }

  stats(): SendFilterStats {
    return { sent: this.#sent, suppressed: this.#suppressed };
  }

  #record(set: SetInstance, state: SetState | undefined, sample: SetSample): void {
    let s = state;
    if (s === undefined || s.values.length !== sample.values.length) {
      s = this.#compile(set);
      this.#states.set(set, s);
    }
    // Copy rather than keep a reference: the caller owns the sample array.
    s.values.set(sample.values);
    s.strings = sample.strings === null ? null : sample.strings.slice();
    s.lastSentMs = sample.timestampMs;
  }

  /** Resolve every metric's threshold once per set. */
  #compile(set: SetInstance): SetState {
    const metrics = set.schema.metrics;
    const absolute = new Float64Array(metrics.length);
    const relative = new Float64Array(metrics.length);
    const prefix = set.groups.join(':');
    metrics.forEach((m, i) => {
      const path = `${prefix}:${m.name}`;
      const rule = this.#rules.find((r) => r.re.test(path));
      if (m.semantics === 'counter') {
        // Only an explicit absolute rule applies to a counter (to its delta
        // since the last send); otherwise any delta counts as a change.
        absolute[i] = rule !== undefined && Number.isNaN(rule.relative) ? rule.absolute : 0;
        relative[i] = NaN;
      } else {
        const t = rule ?? this.#default;
        absolute[i] = t.absolute;
        relative[i] = t.relative;
      }
    });
    return {
      absolute,
      relative,
      values: new Float64Array(metrics.length),
      strings: null,
      lastSentMs: -Infinity,
    };
  }
}

/** True when any metric moved past its threshold since the last send. */
function changed(state: SetState, sample: SetSample): boolean {
  const { values, absolute, relative } = state;
  const now = sample.values;
  for (let i = 0; i < now.length; i++) {
    const v = now[i]!;
    const last = values[i]!;
    if (v === last) continue;
    if (Number.isNaN(v) || Number.isNaN(last)) {
      if (Number.isNaN(v) !== Number.isNaN(last)) return true;
      continue; // both NaN: a string slot, compared below
    }
    const rel = relative[i]!;
    const limit = Number.isNaN(rel) ? absolute[i]! : rel * Math.abs(last);
    if (Math.abs(v - last) > limit) return true;
  }
  const strings = sample.strings;
  if (strings !== null) {
    const lastStrings = state.strings;
    for (let i = 0; i < strings.length; i++) if (strings[i] !== lastStrings?.[i]) return true;
  }
  return false;
}

function compileThreshold(where: string, match: unknown, t: Threshold): CompiledRule {
  if (typeof match !== 'string' || match.length === 0) {
    throw configError(`${where}.match`, 'must be a non-empty glob');
  }
  const hasAbs = t.absolute !== undefined;
  const hasRel = t.relativePct !== undefined;
  if (hasAbs === hasRel) {
    throw configError(where, 'give exactly one of absolute and relativePct');
  }
  const value = hasAbs ? t.absolute : t.relativePct;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configError(
      `${where}.${hasAbs ? 'absolute' : 'relativePct'}`,
      `must be a number ≥ 0, got ${value}`,
    );
  }
  return {
    re: globToRegExp(match),
    absolute: hasAbs ? value : 0,
    relative: hasRel ? value / 100 : NaN,
  };
}

/** `*` → any run, `?` → one character, everything else literal; anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[.+^${}()|[\]\\/]/gu, '\\$&');
  }
  return new RegExp(`^${src}$`, 'su');
}

function configError(option: string, problem: string): SamplerError {
  return new SamplerError(
    SAMPLER_ERROR_CODES.sendFilterConfig,
    `send filter: ${option}: ${problem}`,
  );
}
