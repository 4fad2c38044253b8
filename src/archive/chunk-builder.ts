import { ByteSink } from './byte-io.js';
import { LANE_KINDS } from './chunk-format.js';
import type { SetVersion } from './set-version.js';
import { TimestampStreamEncoder } from './timestamp-stream.js';
import { ValueLanes } from './value-lanes.js';
import { ValueStreamEncoder } from './value-stream.js';

/** Largest trend (per-sample step) a counter lane may be stored against. */
const MAX_RATE = 2 ** 31 - 1;
const utf8 = new TextEncoder();
/** Encodes the single value of a constant lane; its stream is self-contained. */
const constantEncoder = new ValueStreamEncoder(32);

/**
 * Builds the chunks of one set version, sample by sample: one timestamp
 * stream and one value stream per metric, encoded as samples arrive (the
 * layout in docs/archive-format.md, "Chunk body"). The encoder state is kept
 * from one chunk to the next, so each new chunk's streams start with what
 * the last one learnt (their headers carry it: every chunk decodes alone).
 *
 * Two container-level choices cut bytes without touching the stream codec:
 * a lane whose values are all the same is stored as that one value, and a
 * counter lane is stored as v − rate × j (j = index in the chunk), with an
 * integer rate taken from the previous chunk's mean step. A counter then
 * codes like a gauge: its noise, not the difference of two noisy steps.
 */
export class ChunkBuilder {
  readonly version: SetVersion;
  readonly metrics: number;
  /** First WAL file holding a sample of this chunk (writer bookkeeping). */
  walSeq = 0;
  /** Wall-clock time the chunk received its first sample (writer bookkeeping). */
  openedAtMs = 0;
  readonly #lanes: ValueLanes;
  readonly #ts = new TimestampStreamEncoder(64);
  readonly #first: Float64Array;
  readonly #last: Float64Array;
  readonly #same: Uint8Array;
  readonly #rate: Float64Array;
  /** Mean step of each counter lane over the previous chunk; NaN when unknown. */
  readonly #prevStep: Float64Array;
  readonly #row: Float64Array;
  #strings: { index: number; value: string | undefined }[][];
  #count = 0;
  #firstMs = NaN;
  #lastMs = NaN;
  #snapshot: Uint8Array | undefined;

  constructor(version: SetVersion, chunkSamples: number) {
    this.version = version;
    const n = version.set.schema.metrics.length;
    this.metrics = n;
    this.#lanes = new ValueLanes(n, chunkSamples, 16 + (chunkSamples >>> 1));
    const state = new ArrayBuffer(n * 8 * 5);
    this.#first = new Float64Array(state, 0, n);
    this.#last = new Float64Array(state, n * 8, n);
    this.#rate = new Float64Array(state, n * 16, n);
    this.#prevStep = new Float64Array(state, n * 24, n).fill(NaN);
    this.#row = new Float64Array(state, n * 32, n);
    this.#same = new Uint8Array(n);
    this.#strings = version.stringLanes.map(() => []);
  }

  /** Samples in the open chunk. */
  get count(): number {
    return this.#count;
  }

  get firstMs(): number {
    return this.#firstMs;
  }

  get lastMs(): number {
    return this.#lastMs;
  }

  /**
   * Append one sample (timestamps strictly increasing; the caller checks).
   * Returns false, changing nothing, when a counter lane's value cannot be
   * stored exactly against this chunk's trend: seal, then append again.
   */
  append(
    timestampMs: number,
    values: Float64Array,
    strings: readonly (string | undefined)[] | null,
  ): boolean {
    const j = this.#count;
    const row = this.#row;
    row.set(values);
    if (j === 1) this.#chooseRates(values);
    if (j >= 1 && !this.#detrend(values, j)) return false;
    this.#ts.append(timestampMs);
    this.#lanes.appendRow(row);
    this.#track(values, j);
    const lanes = this.version.stringLanes;
    for (let s = 0; s < lanes.length; s++) {
      const v = strings?.[lanes[s]!];
      const changes = this.#strings[s]!;
      if (j === 0 || changes[changes.length - 1]!.value !== v) changes.push({ index: j, value: v });
    }
    if (j === 0) this.#firstMs = timestampMs;
    this.#lastMs = timestampMs;
    this.#count = j + 1;
    this.#snapshot = undefined;
    return true;
  }

  #chooseRates(values: Float64Array): void {
    const first = this.#first;
    for (const c of this.version.counterLanes) {
      const prev = this.#prevStep[c]!;
      const rate = Number.isNaN(prev) ? values[c]! - first[c]! : Math.round(prev);
      const usable = Number.isSafeInteger(rate) && rate !== 0 && Math.abs(rate) <= MAX_RATE;
      this.#rate[c] = usable ? rate : 0;
    }
  }

  /** Replace counter values in the scratch row by v − rate × j; false if one is not exact. */
  #detrend(values: Float64Array, j: number): boolean {
    const row = this.#row;
    for (const c of this.version.counterLanes) {
      const rate = this.#rate[c]!;
      if (rate === 0) continue;
      const v = values[c]!;
      const shift = rate * j;
      const r = v - shift;
      if (!(Object.is(r + shift, v) || (v !== v && r !== r))) {
        if (j > 1) return false;
        this.#rate[c] = 0; // decided at j = 1: no trend for this chunk after all
        continue;
      }
      row[c] = r;
    }
    return true;
  }

  #track(values: Float64Array, j: number): void {
    const n = this.metrics;
    if (j === 0) {
      this.#first.set(values);
      this.#same.fill(1);
      this.#rate.fill(0);
    } else {
      const first = this.#first;
      const same = this.#same;
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        const f = first[i]!;
        if (same[i] === 1 && !(Object.is(v, f) || (v !== v && f !== f))) same[i] = 0;
      }
    }
    this.#last.set(values);
  }

  /**
   * The open chunk's body (the bytes a sealed chunk would hold), for reads of
   * unsealed data; cached until the next append.
   */
  snapshot(): Uint8Array {
    if (this.#snapshot === undefined) {
      const sink = new ByteSink(64 + this.#ts.byteLength + this.metrics * 4);
      this.#encode(sink);
      this.#snapshot = sink.view().slice();
    }
    return this.#snapshot;
  }

  /** Encode the open chunk's body into `sink` and start a new chunk. */
  seal(sink: ByteSink): void {
    this.#encode(sink);
    const n = this.#count;
    for (const c of this.version.counterLanes) {
      this.#prevStep[c] = n >= 2 ? (this.#last[c]! - this.#first[c]!) / (n - 1) : NaN;
    }
    this.#ts.reset();
    this.#lanes.reset();
    this.#strings = this.version.stringLanes.map(() => []);
    this.#count = 0;
    this.#firstMs = NaN;
    this.#lastMs = NaN;
    this.#snapshot = undefined;
  }

  #encode(sink: ByteSink): void {
    const n = this.metrics;
    const lanes = this.#lanes;
    const constants: (Uint8Array | undefined)[] = [];
    sink.f64(this.#firstMs);
    sink.varint(this.#lastMs - this.#firstMs);
    sink.varint(this.#count);
    sink.varint(n);
    sink.varint(this.#ts.byteLength);
    for (let i = 0; i < n; i++) {
      if (this.#same[i] === 1) {
        constantEncoder.append(this.#first[i]!);
        const bytes = constantEncoder.seal();
        constants[i] = bytes;
        sink.varint(bytes.length * 4 + LANE_KINDS.constant);
      } else if (this.#rate[i] !== 0) {
        sink.varint(lanes.laneBytes(i) * 4 + LANE_KINDS.trend);
        sink.svarint(this.#rate[i]!);
      } else {
        sink.varint(lanes.laneBytes(i) * 4 + LANE_KINDS.stream);
      }
    }
    const strings = this.#encodeStrings();
    sink.varint(strings.length);
    sink.bytes(this.#ts.buffer.subarray(0, this.#ts.byteLength));
    for (let i = 0; i < n; i++) {
      const c = constants[i];
      if (c !== undefined) {
        sink.bytes(c);
        continue;
      }
      const start = lanes.laneStart(i);
      sink.bytes(lanes.buffer.subarray(start, start + lanes.laneBytes(i)));
    }
    sink.bytes(strings);
  }

  /** Per string metric: the changes in this chunk (index delta, UTF-8 length + 1 or 0, bytes). */
  #encodeStrings(): Uint8Array {
    if (this.#strings.length === 0) return new Uint8Array(0);
    const sink = new ByteSink(64);
    for (const changes of this.#strings) {
      sink.varint(changes.length);
      let prev = 0;
      for (const { index, value } of changes) {
        sink.varint(index - prev);
        prev = index;
        if (value === undefined) {
          sink.varint(0);
          continue;
        }
        const b = utf8.encode(value);
        sink.varint(b.length + 1);
        sink.bytes(b);
      }
    }
    return sink.view().slice();
  }
}
