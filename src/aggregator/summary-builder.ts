import type { SetInstance, SetSample } from '../model/index.js';
import { schemaDigest, validateSetInstance } from '../model/index.js';
import { SummaryAccumulator } from './summary-accumulator.js';
import { HOSTS_GROUP, HOSTS_SCHEMA, numericIndices, summarySchema } from './summary-layout.js';

/** Options of a {@link SummaryBuilder}. */
export interface SummaryBuilderOptions {
  /** Name of this (L1) aggregator: the host token of every summary set, naming the delegate. */
  readonly source: string;
  /** A timestamp's summaries leave once `nowMs >= T + graceMs`, so slow hosts still count. */
  readonly graceMs: number;
  /** Bound on open timestamps; beyond it the oldest is emitted early. Default 64. */
  readonly maxPendingTimestamps?: number;
  /**
   * A summary set unused for this long (in sample time) is forgotten, so
   * churning group paths (per-process sets) do not pile up. A set that comes
   * back gets a new object. Default 10 minutes.
   */
  readonly templateIdleMs?: number;
}

/** Counters of a {@link SummaryBuilder}. */
export interface SummaryBuilderStats {
  /** Timestamps accumulated but not yet returned by `flush`. */
  pendingTimestamps: number;
  /** Metric summary samples returned by `flush` (the `_hosts` samples not included). */
  emitted: number;
  /** Host samples for a timestamp already emitted, ignored. */
  lateSamples: number;
  /** Timestamps thrown away because even the early-emission queue was full (flush not called). */
  droppedTimestamps: number;
  /** Timestamps emitted before their grace ran out because too many were open. */
  forcedEarly: number;
  /** Host samples that could not be summarised (no numeric metric, bad length or timestamp). */
  skippedSamples: number;
  /** Summary set identities currently known. */
  summarySets: number;
}

/** The up/down state of one host, as the aggregator's tree reports it. */
export interface SummaryHostState {
  readonly ous: readonly string[];
  readonly host: string;
  readonly up: boolean;
}

/** One summary set sample, ready to send upstream like any other set sample. */
export interface SummaryOutput {
  readonly set: SetInstance;
  readonly sample: SetSample;
}

/** A summary set identity; `set` is null for a set that cannot be summarised. */
interface Template {
  readonly set: SetInstance | null;
  readonly indices: readonly number[];
  lastTimestampMs: number;
}

interface Bucket {
  readonly timestampMs: number;
  readonly parts: Map<Template, SummaryAccumulator>;
}

const DEFAULT_MAX_PENDING = 64;
const DEFAULT_TEMPLATE_IDLE_MS = 600_000;

/**
 * Builds Ganglia-style per-OU summaries on an L1 aggregator: for every
 * timestamp T, per (OU path, group path, schema), the count/sum/min/max of
 * each numeric metric over the hosts whose samples carry exactly T (samplers
 * stamp samples with their grid slot, so hosts align). Summaries are ordinary
 * sets (see `docs/summaries.md`), so the upstream link compresses and replays
 * them like host data.
 *
 * Time is split by a watermark: once T is emitted, every sample at or before
 * T is late and ignored (`lateSamples`); the host detail stays on this node.
 * Memory is bounded by `maxPendingTimestamps` open buckets plus as many
 * emitted-early ones waiting for the next `flush`.
 *
 * Callers pass only samples their live store accepted, so replays are not
 * counted twice.
 */
export class SummaryBuilder {
  readonly #source: string;
  readonly #graceMs: number;
  readonly #maxPending: number;
  readonly #templateIdleMs: number;
  readonly #keys = new WeakMap<SetInstance, string>();
  readonly #templates = new Map<string, Template>();
  readonly #pending = new Map<number, Bucket>();
  #ready: Bucket[] = [];
  #emittedUpToMs = -Infinity;
  #hostsSets = new Map<string, { set: SetInstance; lastMs: number }>();
  #emitted = 0;
  #late = 0;
  #dropped = 0;
  #forced = 0;
  #skipped = 0;

  constructor(options: SummaryBuilderOptions) {
    // The source becomes a host token on the wire; reject it here, not upstream.
    validateSetInstance({
      ous: ['_'],
      host: options.source,
      groups: [HOSTS_GROUP],
      schema: HOSTS_SCHEMA,
    });
    this.#source = options.source;
    this.#graceMs = Math.max(0, options.graceMs);
    this.#maxPending = Math.max(1, Math.floor(options.maxPendingTimestamps ?? DEFAULT_MAX_PENDING));
    this.#templateIdleMs = options.templateIdleMs ?? DEFAULT_TEMPLATE_IDLE_MS;
  }

  /** Fold in one host sample (one the live store stored). */
  add(set: SetInstance, sample: SetSample): void {
    const t = sample.timestampMs;
    if (t <= this.#emittedUpToMs) {
      this.#late++;
      return;
    }
    const template = this.#template(set);
    if (
      template.set === null ||
      !Number.isFinite(t) ||
      sample.values.length !== set.schema.metrics.length
    ) {
      this.#skipped++;
      return;
    }
    template.lastTimestampMs = Math.max(template.lastTimestampMs, t);
    const bucket = this.#bucket(t);
    let acc = bucket.parts.get(template);
    if (acc === undefined) {
      acc = new SummaryAccumulator(template.indices);
      bucket.parts.set(template, acc);
    }
    acc.add(sample.values);
    this.#enforceBound();
  }

  /**
   * Return the summaries whose grace has run out (and any emitted early),
   * oldest first, one sample per bucket at its timestamp T. With `hosts`,
   * also one `_hosts` sample per OU path seen there.
   */
  flush(nowMs: number, hosts?: Iterable<SummaryHostState>): SummaryOutput[] {
    const buckets = this.#ready;
    this.#ready = [];
    const due = [...this.#pending.keys()].filter((t) => t + this.#graceMs <= nowMs);
    due.sort((a, b) => a - b);
    for (const t of due) {
      buckets.push(this.#pending.get(t) as Bucket);
      this.#pending.delete(t);
      this.#emittedUpToMs = Math.max(this.#emittedUpToMs, t);
    }
    const out = buckets.flatMap(emitBucket);
    this.#emitted += out.length;
    if (hosts !== undefined) {
      const last = buckets.reduce((m, b) => Math.max(m, b.timestampMs), -Infinity);
      const t = Number.isFinite(last) ? last : Math.floor(nowMs / 1000) * 1000;
      out.push(...this.#hostsSamples(hosts, t));
    }
    if (buckets.length > 0) this.#sweep();
    return out;
  }

  stats(): SummaryBuilderStats {
    return {
      pendingTimestamps: this.#pending.size + this.#ready.length,
      emitted: this.#emitted,
      lateSamples: this.#late,
      droppedTimestamps: this.#dropped,
      forcedEarly: this.#forced,
      skippedSamples: this.#skipped,
      summarySets: this.#templates.size,
    };
  }

  #template(set: SetInstance): Template {
    let key = this.#keys.get(set);
    if (key === undefined) {
      // Tokens cannot hold ':' or NUL, so the key is unambiguous.
      key = `${set.ous.join(':')}::${set.groups.join(':')}\0${schemaDigest(set.schema)}`;
      this.#keys.set(set, key);
    }
    let template = this.#templates.get(key);
    if (template === undefined) {
      template = buildTemplate(set, this.#source);
      this.#templates.set(key, template);
    }
    return template;
  }

  #bucket(t: number): Bucket {
    let bucket = this.#pending.get(t);
    if (bucket === undefined) {
      bucket = { timestampMs: t, parts: new Map() };
      this.#pending.set(t, bucket);
    }
    return bucket;
  }

  /** Emit the oldest open timestamps early while too many are open; never grow without bound. */
  #enforceBound(): void {
    while (this.#pending.size > this.#maxPending) {
      let oldest = Infinity;
      for (const t of this.#pending.keys()) oldest = Math.min(oldest, t);
      this.#ready.push(this.#pending.get(oldest) as Bucket);
      this.#pending.delete(oldest);
      this.#emittedUpToMs = Math.max(this.#emittedUpToMs, oldest);
      this.#forced++;
      if (this.#ready.length > this.#maxPending) {
        this.#ready.shift();
        this.#dropped++;
      }
    }
  }

  #hostsSamples(hosts: Iterable<SummaryHostState>, t: number): SummaryOutput[] {
    const counts = new Map<string, { ous: readonly string[]; up: number; down: number }>();
    for (const h of hosts) {
      if (h.ous.length === 0) continue;
      const key = h.ous.join(':');
      let c = counts.get(key);
      if (c === undefined) {
        c = { ous: h.ous, up: 0, down: 0 };
        counts.set(key, c);
      }
      if (h.up) c.up++;
      else c.down++;
    }
    const out: SummaryOutput[] = [];
    const next = new Map<string, { set: SetInstance; lastMs: number }>();
    for (const [key, c] of counts) {
      const prev = this.#hostsSets.get(key);
      const set = prev?.set ?? hostsSet(c.ous, this.#source);
      // A timestamp at or before the last one sent would be a duplicate upstream.
      const lastMs = prev?.lastMs ?? -Infinity;
      if (t > lastMs) {
        out.push({
          set,
          sample: { timestampMs: t, values: Float64Array.of(c.up, c.down), strings: null },
        });
      }
      next.set(key, { set, lastMs: Math.max(lastMs, t) });
    }
    // Keeping only the OUs of this call bounds the map by the current tree.
    this.#hostsSets = next;
    return out;
  }

  #sweep(): void {
    const cutoff = this.#emittedUpToMs - this.#templateIdleMs;
    for (const [key, template] of this.#templates) {
      if (template.lastTimestampMs < cutoff) this.#templates.delete(key);
    }
  }
}

function buildTemplate(set: SetInstance, source: string): Template {
  const indices = numericIndices(set.schema);
  const schema = summarySchema(set.schema, indices);
  const summary =
    schema === undefined
      ? null
      : {
          ous: [...set.ous],
          host: source,
          groups: [...set.groups],
          schema,
          kind: 'summary' as const,
        };
  return { set: summary, indices, lastTimestampMs: -Infinity };
}

function hostsSet(ous: readonly string[], source: string): SetInstance {
  return {
    ous: [...ous],
    host: source,
    groups: [HOSTS_GROUP],
    schema: HOSTS_SCHEMA,
    kind: 'summary',
  };
}

function emitBucket(bucket: Bucket): SummaryOutput[] {
  const out: SummaryOutput[] = [];
  for (const [template, acc] of bucket.parts) {
    if (template.set === null) continue;
    out.push({
      set: template.set,
      sample: { timestampMs: bucket.timestampMs, values: acc.values(), strings: null },
    });
  }
  return out;
}
