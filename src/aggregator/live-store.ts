import type {
  LatestPoint,
  MetricName,
  RangeSeries,
  Selector,
  SetInstance,
  SetSample,
  SetSchema,
} from '../model/index.js';
import { formatName, schemaDigest, setInstanceKey } from '../model/index.js';
import type { SeriesRef } from '../query/index.js';
import { LiveSet, nameTemplates } from './live-set.js';
import type { NameTemplate } from './live-set.js';

export interface LiveStoreOptions {
  /** Samples kept per set in the recent window. */
  windowSamples: number;
}

/**
 * The aggregator's live tree: every set instance it receives, with its latest
 * sample and a recent window. Keyed by set identity (OUs, host, group path);
 * a set whose schema changes restarts its window.
 */
export class LiveStore {
  readonly #options: LiveStoreOptions;
  readonly #sets = new Map<string, LiveSet>();
  readonly #digests = new WeakMap<SetInstance, string>();
  readonly #keys = new WeakMap<SetInstance, string>();
  /**
   * One copy of each schema and of each set of name templates, shared by all
   * sets with the same layout: thousands of hosts send the same schemas, and
   * per-set copies would cost more than the compressed data.
   */
  readonly #schemas = new Map<string, SetSchema>();
  readonly #templates = new Map<string, readonly NameTemplate[]>();
  #samples = 0;
  #values = 0;
  #duplicates = 0;

  constructor(options: LiveStoreOptions) {
    this.#options = options;
  }

  /** Store a sample; returns its set, or undefined when the sample was a replay already held. */
  ingest(set: SetInstance, sample: SetSample, nowMs: number, source: string): LiveSet | undefined {
    const key = this.#key(set);
    let live = this.#sets.get(key);
    if (!live || live.set !== set) {
      const digest = this.#digest(set);
      if (!live) {
        const shared = this.#shared(set, digest);
        live = new LiveSet(key, shared.set, this.#options.windowSamples, shared.templates);
        this.#sets.set(key, live);
        this.#digests.set(live.set, digest);
      } else if (this.#digest(live.set) !== digest) {
        const shared = this.#shared(set, digest);
        live.reset(shared.set, shared.templates);
        this.#digests.set(live.set, digest);
      }
    }
    if (!live.append(sample, nowMs, source)) {
      this.#duplicates++;
      return undefined;
    }
    this.#samples++;
    this.#values += sample.values.length;
    return live;
  }

  #shared(
    set: SetInstance,
    digest: string,
  ): { set: SetInstance; templates: readonly NameTemplate[] } {
    let schema = this.#schemas.get(digest);
    if (!schema) {
      schema = set.schema;
      this.#schemas.set(digest, schema);
    }
    const tplKey = `${digest}\0${set.groups.join(':')}`;
    let templates = this.#templates.get(tplKey);
    if (!templates) {
      templates = nameTemplates(set);
      this.#templates.set(tplKey, templates);
    }
    return { set: schema === set.schema ? set : { ...set, schema }, templates };
  }

  /** A set's identity key, built once per SetInstance object (senders reuse them for every sample). */
  #key(set: SetInstance): string {
    let k = this.#keys.get(set);
    if (k === undefined) {
      k = setInstanceKey(set);
      this.#keys.set(set, k);
    }
    return k;
  }

  #digest(set: SetInstance): string {
    let d = this.#digests.get(set);
    if (d === undefined) {
      d = schemaDigest(set.schema);
      this.#digests.set(set, d);
    }
    return d;
  }

  stats(): {
    sets: number;
    series: number;
    samples: number;
    values: number;
    duplicates: number;
    bytes: number;
  } {
    let series = 0;
    let bytes = 0;
    for (const s of this.#sets.values()) {
      series += s.metricCount;
      bytes += s.bytes();
    }
    return {
      sets: this.#sets.size,
      series,
      samples: this.#samples,
      values: this.#values,
      duplicates: this.#duplicates,
      bytes,
    };
  }

  /** Every live set (for the tree view and summaries). */
  sets(): IterableIterator<LiveSet> {
    return this.#sets.values();
  }

  /** Drop sets not updated since `cutoffMs` (DMAX); archives keep their data. */
  expire(cutoffMs: number): number {
    let removed = 0;
    for (const [key, s] of this.#sets) {
      if (s.lastSeenMs < cutoffMs) {
        this.#sets.delete(key);
        removed++;
      }
    }
    return removed;
  }

  *#matching(selector: Selector): Generator<[LiveSet, number, MetricName]> {
    for (const s of this.#sets.values()) {
      if (!selector.matchesSetPrefix(s.set.ous, s.set.host, s.set.groups)) continue;
      for (let i = 0; i < s.metricCount; i++) {
        if (s.matches(selector, i)) yield [s, i, s.nameAt(i)];
      }
    }
  }

  /** Query refs over the numeric metrics the selector matches. */
  refs(selector: Selector): SeriesRef[] {
    const out: SeriesRef[] = [];
    for (const [s, i, name] of this.#matching(selector)) {
      const m = s.set.schema.metrics[i]!;
      if (m.type === 'string') continue;
      out.push({
        name,
        unit: m.unit,
        semantics: m.semantics,
        read: (from, to) => s.range(i, from, to),
      });
    }
    return out;
  }

  latest(selector: Selector, limit = Infinity): LatestPoint[] {
    const out: LatestPoint[] = [];
    for (const [s, i, name] of this.#matching(selector)) {
      const p = s.latest(i);
      if (!p) continue;
      const m = s.set.schema.metrics[i]!;
      out.push({
        name: formatName(name),
        timestampMs: p.timestampMs,
        value: p.value,
        unit: m.unit,
        type: m.type,
        semantics: m.semantics,
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  range(selector: Selector, fromMs: number, toMs: number, limit = Infinity): RangeSeries[] {
    const out: RangeSeries[] = [];
    for (const [s, i, name] of this.#matching(selector)) {
      const m = s.set.schema.metrics[i]!;
      if (m.type === 'string') continue;
      out.push({
        name: formatName(name),
        unit: m.unit,
        semantics: m.semantics,
        points: s.range(i, fromMs, toMs),
      });
      if (out.length >= limit) break;
    }
    return out;
  }
}
