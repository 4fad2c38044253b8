import {
  ARCHIVE_ERROR_CODES,
  ArchiveError,
  MEMORY_COST,
  TimestampStreamDecoder,
  TimestampStreamEncoder,
  ValueLanes,
  ValueStreamDecoder,
} from '../archive/index.js';

/** Options of a SetWindow. */
export interface SetWindowOptions {
  /** Metrics of the set: every sample carries this many values. */
  readonly metrics: number;
  /** Samples the window keeps at least (once it has seen that many). */
  readonly maxSamples: number;
  /**
   * Samples per compressed block (default min(120, maxSamples)). Larger
   * blocks amortise stream headers better; the window overshoots
   * maxSamples by up to one block.
   */
  readonly blockSamples?: number;
}

// Sealed blocks are described by a fixed ring of numbers, not objects. Every
// sealed block holds exactly blockSamples samples.
const META_STRIDE = 4;
const M_FIRST_TS = 0;
const M_LAST_TS = 1;
/** Byte offset of the block in the arena. */
const M_OFFSET = 2;
const M_LENGTH = 3;
/** Blocks up to this length index their streams with u16 offsets, longer ones with u32. */
const U16_LIMIT = 0xffff;
const DEFAULT_BLOCK_SAMPLES = 120;

// Range reads are synchronous, so one pair of decoders serves every window.
const tsDecoder = new TimestampStreamDecoder();
const valueDecoder = new ValueStreamDecoder();

/**
 * The recent samples of one metric set (n metrics sharing one timestamp per
 * sample), compressed. Samples are grouped in blocks of B: the open block is
 * encoded as it arrives (one value stream per metric, all in one shared
 * buffer, plus one timestamp stream); a full block is sealed by copying its
 * streams, tight, into the set's arena behind an offset table. When the
 * window holds maxSamples samples without its oldest block, that block is
 * dropped, so once full it holds between maxSamples and maxSamples + B − 1
 * samples. The latest row is also kept uncompressed for O(1) `latest`.
 *
 * Block layout in the arena: (n + 1) little-endian u16 (u32 when the block
 * exceeds 65535 bytes) end offsets, relative to the block start: the
 * timestamp stream's end, then each metric stream's end; then the streams.
 */
export class SetWindow {
  readonly metrics: number;
  readonly maxSamples: number;
  readonly blockSamples: number;
  readonly #lanes: ValueLanes;
  readonly #ts = new TimestampStreamEncoder(64);
  readonly #latest: Float64Array;
  #latestTs = -Infinity;
  #openFirstTs = 0;
  #open = 0;
  /** Sealed blocks back to back; bytes before #arenaHead belong to dropped blocks. */
  #arena = new Uint8Array(0);
  #arenaHead = 0;
  readonly #meta: Float64Array;
  readonly #maxBlocks: number;
  #metaHead = 0;
  #blocks = 0;
  #sealed = 0;

  constructor(options: SetWindowOptions) {
    const { metrics, maxSamples } = options;
    const block = options.blockSamples ?? Math.min(DEFAULT_BLOCK_SAMPLES, maxSamples);
    if (!Number.isInteger(metrics) || metrics < 0) throw invalid(`metrics ${metrics}`);
    if (!Number.isInteger(maxSamples) || maxSamples < 1) throw invalid(`maxSamples ${maxSamples}`);
    if (!Number.isInteger(block) || block < 1) throw invalid(`blockSamples ${block}`);
    this.metrics = metrics;
    this.maxSamples = maxSamples;
    this.blockSamples = block;
    this.#lanes = new ValueLanes(metrics, block, 16 + (block >>> 1));
    this.#maxBlocks = Math.ceil(maxSamples / block) + 2;
    // Two views on one buffer: a typed array with its own buffer costs ~200 B.
    const state = new ArrayBuffer((metrics + this.#maxBlocks * META_STRIDE) * 8);
    this.#latest = new Float64Array(state, 0, metrics);
    this.#meta = new Float64Array(state, metrics * 8, this.#maxBlocks * META_STRIDE);
  }

  /** Samples currently held. */
  get size(): number {
    return this.#sealed + this.#open;
  }

  /**
   * Append one sample: `values[i]` is metric i. Timestamps must be safe
   * integers (ms), strictly increasing: the caller drops replays first.
   */
  append(timestampMs: number, values: Float64Array): void {
    if (values.length !== this.metrics) {
      throw invalid(`sample has ${values.length} values, the set has ${this.metrics} metrics`);
    }
    if (!(timestampMs > this.#latestTs)) {
      throw invalid(`timestamp ${timestampMs} is not after the latest ${this.#latestTs}`);
    }
    this.#ts.append(timestampMs); // validates the timestamp before anything changes
    if (this.#open === 0) this.#openFirstTs = timestampMs;
    this.#lanes.appendRow(values);
    this.#latest.set(values);
    this.#latestTs = timestampMs;
    this.#open++;
    this.#expire();
    if (this.#open === this.blockSamples) this.#seal();
  }

  /** Latest value of metric `i` with its timestamp, or undefined while empty. O(1). */
  latest(i: number): { timestampMs: number; value: number } | undefined {
    this.#checkMetric(i);
    if (this.size === 0) return undefined;
    return { timestampMs: this.#latestTs, value: this.#latest[i]! };
  }

  /** Timestamp of the latest sample; -Infinity while empty. */
  latestTimestamp(): number {
    return this.#latestTs;
  }

  /**
   * Points `[timestampMs, value]` of metric `i` with fromMs ≤ t ≤ toMs,
   * oldest first. Pass `out` to reuse an array: it is overwritten (its pairs
   * reused) and truncated to the result.
   */
  range(i: number, fromMs: number, toMs: number, out: [number, number][] = []): [number, number][] {
    this.#checkMetric(i);
    let n = 0;
    if (fromMs <= toMs) {
      const meta = this.#meta;
      for (let b = 0; b < this.#blocks; b++) {
        const m = ((this.#metaHead + b) % this.#maxBlocks) * META_STRIDE;
        if (meta[m + M_LAST_TS]! < fromMs) continue;
        if (meta[m + M_FIRST_TS]! > toMs) break;
        n = this.#readSealed(m, i, fromMs, toMs, out, n);
      }
      if (this.#open > 0 && this.#latestTs >= fromMs && this.#openFirstTs <= toMs) {
        const lanes = this.#lanes;
        const start = lanes.laneStart(i) * 8;
        tsDecoder.reset(this.#ts.buffer, this.#open, 0, this.#ts.bitLength);
        valueDecoder.reset(lanes.buffer, this.#open, start, start + lanes.laneBits(i));
        n = collect(this.#open, fromMs, toMs, out, n);
      }
    }
    out.length = n;
    return out;
  }

  /**
   * Estimated memory held: every typed array's bytes plus what V8 spends
   * per object, typed array and view (MEMORY_COST, measured).
   */
  bytes(): number {
    return (
      this.#arena.byteLength +
      MEMORY_COST.typedArray +
      this.#latest.buffer.byteLength +
      MEMORY_COST.typedArray +
      MEMORY_COST.view +
      this.#lanes.bytes() +
      this.#ts.bytes() +
      MEMORY_COST.object
    );
  }

  #readSealed(
    m: number,
    i: number,
    fromMs: number,
    toMs: number,
    out: [number, number][],
    n: number,
  ): number {
    const meta = this.#meta;
    const arena = this.#arena;
    const offset = meta[m + M_OFFSET]!;
    const wide = meta[m + M_LENGTH]! > U16_LIMIT;
    const count = this.blockSamples;
    const tableBytes = (this.metrics + 1) * (wide ? 4 : 2);
    const tsEnd = offset + readEnd(arena, offset, 0, wide);
    const laneStart = offset + readEnd(arena, offset, i, wide);
    const laneEnd = offset + readEnd(arena, offset, i + 1, wide);
    tsDecoder.reset(arena, count, (offset + tableBytes) * 8, tsEnd * 8);
    valueDecoder.reset(arena, count, laneStart * 8, laneEnd * 8);
    return collect(count, fromMs, toMs, out, n);
  }

  /** Drop oldest blocks while the window holds maxSamples without them. */
  #expire(): void {
    const meta = this.#meta;
    while (this.#blocks > 0) {
      const count = this.blockSamples;
      if (this.size - count < this.maxSamples) return;
      this.#sealed -= count;
      this.#blocks--;
      this.#metaHead = (this.#metaHead + 1) % this.#maxBlocks;
      this.#arenaHead =
        this.#blocks > 0 ? meta[this.#metaHead * META_STRIDE + M_OFFSET]! : this.#arena.length;
    }
  }

  /** Move the open block into a new, exactly sized arena (dropped blocks left behind). */
  #seal(): void {
    const lanes = this.#lanes;
    const n = this.metrics;
    let data = this.#ts.byteLength;
    for (let i = 0; i < n; i++) data += lanes.laneBytes(i);
    const wide = (n + 1) * 2 + data > U16_LIMIT;
    const length = (n + 1) * (wide ? 4 : 2) + data;
    const live = this.#arena.length - this.#arenaHead;
    const arena = new Uint8Array(live + length);
    arena.set(this.#arena.subarray(this.#arenaHead), 0);
    const meta = this.#meta;
    for (let b = 0; b < this.#blocks; b++) {
      meta[((this.#metaHead + b) % this.#maxBlocks) * META_STRIDE + M_OFFSET]! -= this.#arenaHead;
    }
    let at = this.#ts.copyTo(arena, live + (n + 1) * (wide ? 4 : 2));
    writeEnd(arena, live, 0, at - live, wide);
    for (let i = 0; i < n; i++) {
      at = lanes.copyLane(i, arena, at);
      writeEnd(arena, live, i + 1, at - live, wide);
    }
    const m = ((this.#metaHead + this.#blocks) % this.#maxBlocks) * META_STRIDE;
    meta[m + M_FIRST_TS] = this.#openFirstTs;
    meta[m + M_LAST_TS] = this.#latestTs;
    meta[m + M_OFFSET] = live;
    meta[m + M_LENGTH] = length;
    this.#blocks++;
    this.#sealed += this.#open;
    this.#open = 0;
    this.#arena = arena;
    this.#arenaHead = 0;
    this.#ts.reset();
    lanes.reset();
  }

  #checkMetric(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.metrics) {
      throw invalid(`metric index ${i} outside 0..${this.metrics - 1}`);
    }
  }
}

/** Decoded timestamps and values of one block (shared, grown on demand). */
let scratchTs = new Float64Array(256);
let scratchValues = new Float64Array(256);

/** Decode `count` points from the shared decoders, keeping those in [fromMs, toMs]. */
function collect(
  count: number,
  fromMs: number,
  toMs: number,
  out: [number, number][],
  n: number,
): number {
  if (scratchTs.length < count) {
    scratchTs = new Float64Array(count);
    scratchValues = new Float64Array(count);
  }
  const ts = scratchTs;
  const values = scratchValues;
  tsDecoder.decode(ts, 0, count);
  valueDecoder.decode(values, 0, count);
  let k = n;
  for (let j = 0; j < count; j++) {
    const t = ts[j]!;
    if (t < fromMs) continue;
    if (t > toMs) break;
    if (k < out.length) {
      const p = out[k]!;
      p[0] = t;
      p[1] = values[j]!;
    } else out.push([t, values[j]!]);
    k++;
  }
  return k;
}

/** Entry `j` of a block's end-offset table at `offset`. */
function readEnd(arena: Uint8Array, offset: number, j: number, wide: boolean): number {
  if (!wide) {
    const p = offset + 2 * j;
    return arena[p]! | (arena[p + 1]! << 8);
  }
  const p = offset + 4 * j;
  return (arena[p]! | (arena[p + 1]! << 8) | (arena[p + 2]! << 16) | (arena[p + 3]! << 24)) >>> 0;
}

function writeEnd(arena: Uint8Array, offset: number, j: number, end: number, wide: boolean): void {
  const width = wide ? 4 : 2;
  for (let b = 0; b < width; b++) arena[offset + width * j + b] = (end >>> (8 * b)) & 0xff;
}

function invalid(what: string): ArchiveError {
  return new ArchiveError(ARCHIVE_ERROR_CODES.invalidArgument, `SetWindow: ${what}`);
}
