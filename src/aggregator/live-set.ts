import type { MetricName, Selector, SetInstance, SetSample } from '../model/index.js';
import { SetWindow } from './set-window.js';

/**
 * Where a metric of a set sits below the host: its full group path and its
 * own name. Shared by every set with the same schema and group path, so ten
 * thousand hosts with the same `cpu` set hold one copy of the names.
 */
export interface NameTemplate {
  readonly groups: readonly string[];
  readonly metric: string;
  /** `group:…:metric`, the path below the host. */
  readonly path: string;
}

/** Templates of a set's metrics; a metric name `cpu0:user` adds a group token. */
export function nameTemplates(set: Pick<SetInstance, 'groups' | 'schema'>): NameTemplate[] {
  return set.schema.metrics.map((m) => {
    const parts = m.name.split(':');
    const metric = parts.pop()!;
    const groups = [...set.groups, ...parts];
    return { groups, metric, path: [...groups, metric].join(':') };
  });
}

/**
 * The live state of one set instance: a compressed window of its recent
 * samples (one timestamp per sample, shared by every metric of the set), the
 * latest strings, and what staleness needs.
 */
export class LiveSet {
  readonly key: string;
  set: SetInstance;
  templates: readonly NameTemplate[];
  readonly capacity: number;
  #window: SetWindow;
  #strings: (string | undefined)[] | null = null;
  /** Reused for matching so queries allocate no name per metric. */
  readonly #scratch: {
    ous: readonly string[];
    host: string;
    groups: readonly string[];
    metric: string;
  };
  lastTimestampMs = -Infinity;
  /** Wall-clock time of the last sample received, for staleness (TN). */
  lastSeenMs = 0;
  /** The set's sampling interval, estimated from its last two timestamps (0 until known). */
  intervalMs = 0;
  /** Source peer that delivered the last sample. */
  source = '';

  constructor(key: string, set: SetInstance, capacity: number, templates: readonly NameTemplate[]) {
    this.key = key;
    this.set = set;
    this.capacity = capacity;
    this.templates = templates;
    this.#window = new SetWindow({ metrics: set.schema.metrics.length, maxSamples: capacity });
    this.#scratch = { ous: set.ous, host: set.host, groups: [], metric: '' };
  }

  get size(): number {
    return this.#window.size;
  }

  get metricCount(): number {
    return this.templates.length;
  }

  /** Approximate bytes held by this set (window, strings, object overhead). */
  bytes(): number {
    return this.#window.bytes() + 160 + (this.#strings ? 64 + this.#strings.length * 16 : 0);
  }

  /** Replace the schema (layout changed): the window restarts. */
  reset(set: SetInstance, templates: readonly NameTemplate[]): void {
    this.set = set;
    this.templates = templates;
    this.#window = new SetWindow({ metrics: set.schema.metrics.length, maxSamples: this.capacity });
    this.#strings = null;
    this.lastTimestampMs = -Infinity;
  }

  /**
   * Append a sample. Samples at or before the latest timestamp are replays of
   * what we already hold and are ignored, which makes delivery exactly-once.
   */
  append(sample: SetSample, nowMs: number, source: string): boolean {
    const t = sample.timestampMs;
    if (t <= this.lastTimestampMs || !Number.isSafeInteger(t)) return false;
    if (sample.values.length !== this.set.schema.metrics.length) return false;
    this.#window.append(t, sample.values);
    if (sample.strings) this.#strings = [...sample.strings];
    if (Number.isFinite(this.lastTimestampMs)) this.intervalMs = t - this.lastTimestampMs;
    this.lastTimestampMs = t;
    this.lastSeenMs = nowMs;
    this.source = source;
    return true;
  }

  /** The full name of metric `i` (a new object the caller may keep). */
  nameAt(i: number): MetricName {
    const tpl = this.templates[i]!;
    return { ous: this.set.ous, host: this.set.host, groups: tpl.groups, metric: tpl.metric };
  }

  /** Whether metric `i` is selected, without allocating. */
  matches(selector: Selector, i: number): boolean {
    const tpl = this.templates[i]!;
    const s = this.#scratch;
    s.ous = this.set.ous;
    s.host = this.set.host;
    s.groups = tpl.groups;
    s.metric = tpl.metric;
    return selector.matches(s);
  }

  /** Latest value of metric `index` (a string for string metrics). */
  latest(index: number): { timestampMs: number; value: number | string } | undefined {
    const p = this.#window.latest(index);
    if (!p) return undefined;
    const str = this.#strings?.[index];
    return { timestampMs: p.timestampMs, value: str ?? p.value };
  }

  /** Points of metric `index` with fromMs ≤ t ≤ toMs, oldest first. */
  range(index: number, fromMs: number, toMs: number): [number, number][] {
    return this.#window.range(index, fromMs, toMs);
  }
}
