import type { SetInstance, SetSample } from '../model/index.js';
import { ChunkLayout, decodeLane, decodeStrings, decodeTimestamps } from './chunk-format.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, fileError } from './errors.js';
import type { SegmentReads } from './segment-reads.js';
import type { DiskChunk, SeriesTimeline } from './series-timeline.js';
import type { SetVersion } from './set-version.js';

/** One set sample with its set, as follow() delivers them. */
export interface ArchivedSample {
  readonly key: string;
  readonly set: SetInstance;
  readonly sample: SetSample;
}

/** Timestamps and, per requested lane, the values at them. */
export interface Columns {
  readonly t: number[];
  readonly cols: number[][];
}

/** A chunk to visit: on disk or in memory. */
interface ChunkView {
  readonly version: SetVersion;
  readonly tMin: number;
  readonly tMax: number;
  readonly disk: DiskChunk | undefined;
  readonly body: Uint8Array | undefined;
}

/**
 * Point queries over one SeriesTimeline: sealed chunks (read from disk on
 * demand), chunks in memory and the open chunk, in time order. A chunk that
 * cannot be read is skipped and reported; the rest of the answer stands.
 */
export class SeriesQuery {
  readonly #reads: SegmentReads;
  readonly #report: (e: ArchiveError) => void;
  readonly #layout = new ChunkLayout();
  #ts = new Float64Array(256);
  #values = new Float64Array(256);
  /** Scratch lanes of columns(). */
  #cols: Float64Array[] = [];

  constructor(reads: SegmentReads, report: (e: ArchiveError) => void) {
    this.#reads = reads;
    this.#report = report;
  }

  /** Points of metric `metric` (index in the latest schema) with from ≤ t ≤ to, oldest first. */
  range(
    tl: SeriesTimeline,
    metric: number,
    fromMs: number,
    toMs: number,
    limit = Infinity,
  ): [number, number][] {
    const name = metricName(tl, metric);
    const out: [number, number][] = [];
    let last = -Infinity;
    for (const view of forward(tl, fromMs)) {
      if (view.tMax < fromMs || view.tMax <= last) continue;
      if (view.tMin > toMs) {
        if (view.disk !== undefined) break;
        continue;
      }
      const lane = view.version.lanes.get(name);
      if (lane === undefined || !this.#decode(view, lane)) continue;
      last = collect(
        this.#ts,
        this.#values,
        this.#layout.count,
        Math.max(fromMs, last),
        last,
        toMs,
        limit,
        out,
      );
      if (out.length >= limit) return out;
    }
    return out;
  }

  /** Up to `limit` points with t < beforeMs, newest first. */
  rangeBackward(
    tl: SeriesTimeline,
    metric: number,
    beforeMs: number,
    limit: number,
  ): [number, number][] {
    const name = metricName(tl, metric);
    const out: [number, number][] = [];
    let lowest = Infinity;
    for (const view of backward(tl, beforeMs)) {
      if (view.tMin >= beforeMs || view.tMin >= lowest) continue;
      const lane = view.version.lanes.get(name);
      if (lane === undefined || !this.#decode(view, lane)) continue;
      const ts = this.#ts;
      const values = this.#values;
      for (let j = this.#layout.count - 1; j >= 0; j--) {
        const t = ts[j]!;
        if (t >= beforeMs || t >= lowest) continue;
        if (out.length >= limit) return out;
        out.push([t, values[j]!]);
        lowest = t;
      }
    }
    return out;
  }

  /** Values of string metric `metric` with from ≤ t ≤ to (undefined where the sample had none). */
  rangeStrings(
    tl: SeriesTimeline,
    metric: number,
    fromMs: number,
    toMs: number,
  ): [number, string | undefined][] {
    const name = metricName(tl, metric);
    const out: [number, string | undefined][] = [];
    let last = -Infinity;
    for (const view of forward(tl, fromMs)) {
      if (view.tMax < fromMs || view.tMax <= last || view.tMin > toMs) continue;
      const lane = view.version.lanes.get(name);
      const ordinal = lane === undefined ? -1 : view.version.stringLanes.indexOf(lane);
      if (ordinal < 0) continue;
      const strings = this.#withChunk(view, (buf) => {
        decodeTimestamps(buf, this.#layout, this.#ts);
        return decodeStrings(buf, this.#layout, ordinal);
      });
      if (strings === undefined) continue;
      for (let j = 0; j < strings.length; j++) {
        const t = this.#ts[j]!;
        if (t < fromMs || t <= last || t > toMs) continue;
        out.push([t, strings[j]]);
        last = t;
      }
    }
    return out;
  }

  /**
   * Several lanes of one timeline, named, with from ≤ t ≤ to, oldest first:
   * each chunk's timestamps are decoded once for all of them (the tier
   * queries read min, max, sum and count of a metric together). A lane a
   * version lacks reads as NaN.
   */
  columns(tl: SeriesTimeline, names: readonly string[], fromMs: number, toMs: number): Columns {
    const out: Columns = { t: [], cols: names.map(() => []) };
    let last = -Infinity;
    for (const view of forward(tl, fromMs)) {
      if (view.tMax < fromMs || view.tMax <= last) continue;
      if (view.tMin > toMs) {
        if (view.disk !== undefined) break;
        continue;
      }
      const lanes = names.map((n) => view.version.lanes.get(n));
      if (lanes.every((l) => l === undefined)) continue;
      const n = this.#withChunk(view, (buf) => this.#decodeColumns(buf, lanes));
      if (n === undefined) continue;
      const ts = this.#ts;
      const vals = this.#cols;
      for (let j = 0; j < n; j++) {
        const t = ts[j]!;
        if (t < fromMs || t <= last) continue;
        if (t > toMs) break;
        out.t.push(t);
        for (let k = 0; k < names.length; k++) out.cols[k]!.push(vals[k]![j]!);
        last = t;
      }
    }
    return out;
  }

  /** Whole samples (every metric) with t > afterMs, oldest first. */
  rows(tl: SeriesTimeline, afterMs: number): ArchivedSample[] {
    const out: ArchivedSample[] = [];
    let last = afterMs;
    for (const view of forward(tl, afterMs + 1)) {
      if (view.tMax <= last) continue;
      const rows = this.#withChunk(view, (buf) => decodeRows(buf, this.#layout, view.version));
      if (rows === undefined) continue;
      for (const sample of rows) {
        if (sample.timestampMs <= last) continue;
        out.push({ key: tl.key, set: view.version.set, sample });
        last = sample.timestampMs;
      }
    }
    return out;
  }

  /** Timestamps and the given lanes (NaN for an absent one) into scratch arrays; returns the count. */
  #decodeColumns(buf: Uint8Array, lanes: readonly (number | undefined)[]): number {
    const c = this.#layout;
    if (this.#ts.length < c.count) {
      this.#ts = new Float64Array(c.count * 2);
      this.#values = new Float64Array(c.count * 2);
    }
    decodeTimestamps(buf, c, this.#ts);
    lanes.forEach((l, k) => {
      let v = this.#cols[k];
      if (v === undefined || v.length < c.count) v = this.#cols[k] = new Float64Array(c.count * 2);
      if (l === undefined) v.fill(NaN, 0, c.count);
      else decodeLane(buf, c, l, v);
    });
    return c.count;
  }

  /** Decode the view's timestamps and one lane into the scratch arrays; false if unreadable. */
  #decode(view: ChunkView, lane: number): boolean {
    const ok = this.#withChunk(view, (buf) => {
      const c = this.#layout;
      if (this.#ts.length < c.count) {
        this.#ts = new Float64Array(c.count * 2);
        this.#values = new Float64Array(c.count * 2);
      }
      decodeTimestamps(buf, c, this.#ts);
      decodeLane(buf, c, lane, this.#values);
      return true;
    });
    return ok === true;
  }

  /** Parse the view's chunk into the layout and run `use`; undefined (reported) when it fails. */
  #withChunk<T>(view: ChunkView, use: (buf: Uint8Array) => T): T | undefined {
    const d = view.disk;
    try {
      let buf: Uint8Array;
      if (d === undefined) {
        buf = view.body!;
        this.#layout.parse(buf, 0, buf.length);
      } else {
        const bytes = this.#reads.read(d);
        buf = bytes.buf;
        const c = this.#layout.parse(buf, bytes.start, bytes.end);
        if (c.count !== d.count || c.tMin !== d.tMin || c.tMax !== d.tMax) {
          throw fileError(
            ARCHIVE_ERROR_CODES.indexMismatch,
            d.segment.path,
            d.offset,
            `chunk holds ${c.count} samples ${c.tMin}..${c.tMax}, index says ${d.count} ${d.tMin}..${d.tMax}`,
          );
        }
      }
      if (this.#layout.metrics !== view.version.set.schema.metrics.length) {
        throw new ArchiveError(
          ARCHIVE_ERROR_CODES.corruptChunk,
          `chunk has ${this.#layout.metrics} metrics, its schema ${view.version.set.schema.metrics.length}`,
        );
      }
      return use(buf);
    } catch (err) {
      this.#report(located(err, d));
      return undefined;
    }
  }
}

/**
 * Append the points with lower ≤ t ≤ toMs and t > last to `out` (at most
 * `limit` in all); returns the new last timestamp. Locals only in the loop:
 * this runs once per point of every answer.
 */
function collect(
  ts: Float64Array,
  values: Float64Array,
  count: number,
  lower: number,
  last: number,
  toMs: number,
  limit: number,
  out: [number, number][],
): number {
  let j = 0;
  while (j < count && (ts[j]! < lower || ts[j]! <= last)) j++;
  let n = out.length;
  for (; j < count && n < limit; j++, n++) {
    const t = ts[j]!;
    if (t > toMs) break;
    out.push([t, values[j]!]);
    last = t;
  }
  return last;
}

function metricName(tl: SeriesTimeline, metric: number): string {
  const m = tl.latest?.set.schema.metrics[metric];
  if (!Number.isInteger(metric) || m === undefined) {
    throw new ArchiveError(
      ARCHIVE_ERROR_CODES.invalidArgument,
      `${tl.key}: no metric at index ${metric}`,
    );
  }
  return m.name;
}

/** Chunks from the first that may hold t ≥ fromMs, in time order. */
function* forward(tl: SeriesTimeline, fromMs: number): Generator<ChunkView> {
  const d = tl.disk;
  for (let i = tl.firstDiskAtOrAfter(fromMs); i < d.length; i++) yield diskView(d[i]!);
  for (const m of tl.memory) yield { ...m, disk: undefined, body: m.body };
  const open = tl.open;
  if (open !== undefined && open.count > 0) {
    yield {
      version: open.version,
      tMin: open.firstMs,
      tMax: open.lastMs,
      disk: undefined,
      body: open.snapshot(),
    };
  }
}

/** Chunks that may hold t < beforeMs, newest first. */
function* backward(tl: SeriesTimeline, beforeMs: number): Generator<ChunkView> {
  const open = tl.open;
  if (open !== undefined && open.count > 0) {
    yield {
      version: open.version,
      tMin: open.firstMs,
      tMax: open.lastMs,
      disk: undefined,
      body: open.snapshot(),
    };
  }
  for (let i = tl.memory.length - 1; i >= 0; i--) {
    const m = tl.memory[i]!;
    yield { ...m, disk: undefined, body: m.body };
  }
  for (let i = tl.diskBefore(beforeMs) - 1; i >= 0; i--) yield diskView(tl.disk[i]!);
}

function diskView(d: DiskChunk): ChunkView {
  return { version: d.version, tMin: d.tMin, tMax: d.tMax, disk: d, body: undefined };
}

/** Every sample of a parsed chunk. */
function decodeRows(buf: Uint8Array, c: ChunkLayout, version: SetVersion): SetSample[] {
  const n = c.metrics;
  const ts = new Float64Array(c.count);
  decodeTimestamps(buf, c, ts);
  const lane = new Float64Array(c.count);
  const rows = Array.from({ length: c.count }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    decodeLane(buf, c, i, lane);
    for (let j = 0; j < c.count; j++) rows[j]![i] = lane[j]!;
  }
  const strings = version.stringLanes.map((_, s) => decodeStrings(buf, c, s));
  return rows.map((values, j) => {
    let row: (string | undefined)[] | null = null;
    if (strings.length > 0) {
      row = new Array<string | undefined>(n);
      version.stringLanes.forEach((l, s) => (row![l] = strings[s]![j]));
    }
    return { timestampMs: ts[j]!, values, strings: row };
  });
}

/** Give an unlocated failure the chunk's file and offset. */
function located(err: unknown, d: DiskChunk | undefined): ArchiveError {
  if (err instanceof ArchiveError && (err.file !== undefined || d === undefined)) return err;
  const code = err instanceof ArchiveError ? err.code : ARCHIVE_ERROR_CODES.corruptRecord;
  if (d === undefined) return new ArchiveError(code, String(err), { cause: err });
  const what = err instanceof Error ? err.message : String(err);
  return fileError(code, d.segment.path, d.offset, what, err);
}
