import type { MetricName, SetInstance, SetSample } from '../model/index.js';

/**
 * The live state of one set instance: its latest sample and a ring of recent
 * samples. Timestamps are shared by every metric of the set (one timestamp per
 * group), so the ring stores one timestamp per sample and the values
 * row-major: slot s holds metric i at `values[s * n + i]`.
 */
export class LiveSet {
  readonly key: string;
  set: SetInstance;
  /** Parsed names of each metric, built once per schema (queries match on them). */
  names: MetricName[];
  readonly capacity: number;
  #timestamps: Float64Array;
  #values: Float64Array;
  #strings: (string | undefined)[] | null;
  #count = 0;
  #next = 0;
  lastTimestampMs = -Infinity;
  /** Wall-clock time of the last sample received, for staleness (TN). */
  lastSeenMs = 0;
  /** The set's sampling interval, estimated from its last two timestamps (0 until known). */
  intervalMs = 0;
  /** Source peer that delivered the last sample. */
  source = '';

  constructor(key: string, set: SetInstance, capacity: number) {
    this.key = key;
    this.set = set;
    this.capacity = capacity;
    this.names = metricNames(set);
    const n = set.schema.metrics.length;
    this.#timestamps = new Float64Array(capacity);
    this.#values = new Float64Array(capacity * n);
    this.#strings = null;
  }

  get size(): number {
    return this.#count;
  }

  /** Approximate bytes held by this set's window. */
  bytes(): number {
    return this.#timestamps.byteLength + this.#values.byteLength + 200 + this.names.length * 120;
  }

  /** Replace the schema (layout changed): the window restarts. */
  reset(set: SetInstance): void {
    this.set = set;
    this.names = metricNames(set);
    this.#values = new Float64Array(this.capacity * set.schema.metrics.length);
    this.#count = 0;
    this.#next = 0;
    this.#strings = null;
    this.lastTimestampMs = -Infinity;
  }

  /**
   * Append a sample. Samples at or before the latest timestamp are replays of
   * what we already hold and are ignored, which makes delivery exactly-once.
   */
  append(sample: SetSample, nowMs: number, source: string): boolean {
    if (sample.timestampMs <= this.lastTimestampMs) return false;
    const n = this.set.schema.metrics.length;
    if (sample.values.length !== n) return false;
    const slot = this.#next;
    this.#timestamps[slot] = sample.timestampMs;
    this.#values.set(sample.values, slot * n);
    if (sample.strings) this.#strings = [...sample.strings];
    this.#next = (slot + 1) % this.capacity;
    if (this.#count < this.capacity) this.#count++;
    if (Number.isFinite(this.lastTimestampMs))
      this.intervalMs = sample.timestampMs - this.lastTimestampMs;
    this.lastTimestampMs = sample.timestampMs;
    this.lastSeenMs = nowMs;
    this.source = source;
    return true;
  }

  /** Latest value of metric `index` (a string for string metrics). */
  latest(index: number): { timestampMs: number; value: number | string } | undefined {
    if (this.#count === 0) return undefined;
    const n = this.set.schema.metrics.length;
    const slot = (this.#next - 1 + this.capacity) % this.capacity;
    const str = this.#strings?.[index];
    const value = str ?? this.#values[slot * n + index]!;
    return { timestampMs: this.#timestamps[slot]!, value };
  }

  /** Points of metric `index` with fromMs ≤ t ≤ toMs, oldest first. */
  range(index: number, fromMs: number, toMs: number): [number, number][] {
    const n = this.set.schema.metrics.length;
    const out: [number, number][] = [];
    const start = (this.#next - this.#count + this.capacity) % this.capacity;
    for (let k = 0; k < this.#count; k++) {
      const slot = (start + k) % this.capacity;
      const t = this.#timestamps[slot]!;
      if (t < fromMs) continue;
      if (t > toMs) break;
      out.push([t, this.#values[slot * n + index]!]);
    }
    return out;
  }
}

/** Namespace names of a set's metrics; a metric name `cpu0:user` adds a group token. */
export function metricNames(set: SetInstance): MetricName[] {
  return set.schema.metrics.map((m) => {
    const parts = m.name.split(':');
    const metric = parts.pop()!;
    return { ous: set.ous, host: set.host, groups: [...set.groups, ...parts], metric };
  });
}
