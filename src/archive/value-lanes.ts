import { putBits, putSigned, putBits32, zigzag } from './bit-writer.js';
import { decimalTrailingZeros, scaleAt, smallestScale } from './decimal-scale.js';
import { MEMORY_COST } from './memory-cost.js';
import { ctz32, scratchHi, scratchLo, splitFloat } from './float-bits.js';
import {
  accExponent,
  accFromExponent,
  accumulate,
  riceParameter,
  writeRice,
  writeSwitch,
} from './rice-code.js';
import {
  ACC_BITS,
  MODE_BITS,
  MODE_CODE_XOR,
  MODE_XOR,
  NO_WINDOW,
  RESIDUAL_LIMIT,
  VALUE_RESERVE_BYTES,
} from './stream-format.js';
import { putShifted } from './xor-code.js';

// Per-lane state lives in three strided typed arrays rather than one object
// (or a dozen arrays) per lane: a set of 100 metrics then costs 3 objects of
// overhead, not 100 or 1200, which matters at a budget of 1 KB per series.
const F_STRIDE = 4;
/** Last scaled integer (decimal mode). */
const F_SCALED = 0;
/** Last delta of scaled integers (decimal mode). */
const F_DELTA = 1;
/** Accumulators of |delta| and |delta of delta|: choose the predictor and the Rice parameter. */
const F_ACC_D = 2;
const F_ACC_DD = 3;
const U_STRIDE = 5;
/** Absolute bit position of the lane's next bit in the shared buffer. */
const U_POS = 0;
/** The lane owns bytes [start, end) of the buffer. */
const U_START = 1;
const U_END = 2;
/** IEEE bits of the last value (XOR mode). */
const U_HI = 3;
const U_LO = 4;
const B_STRIDE = 5;
/** MODE_XOR or a decimal scale. */
const B_MODE = 0;
/** XOR window: leading and trailing zero counts, or NO_WINDOW. */
const B_LEAD = 1;
const B_TRAIL = 2;
/** Mode the lane's next stream should try first (kept across reset). */
const B_HINT = 3;
/** Decimal digits every scaled value of the stream ended with: the next stream can drop them. */
const B_MIN_TZ = 4;

/**
 * Streaming encoder of `lanes` independent value streams (one per series)
 * that share one byte buffer, each lane owning a region of it. Appending
 * allocates nothing; a lane that runs out of room grows its region (a
 * relayout of the buffer, rare once capacities settle), and `reset` starts
 * new streams with each region sized from what the lane needed last time.
 * The stream format is in docs/archive-format.md, "Series chunk encoding".
 */
export class ValueLanes {
  readonly lanes: number;
  #buf: Uint8Array;
  readonly #f: Float64Array;
  readonly #u: Uint32Array;
  readonly #b: Int8Array;
  readonly #streamValues: number;
  /** Rows appended since the streams started. */
  #rows = 0;

  /**
   * `streamValues`: values each stream is expected to hold (the block size),
   * 0 when unknown. With it, the first lane to run out of room resizes every
   * lane to its projected need at once, instead of each lane growing alone.
   */
  constructor(lanes: number, streamValues = 0, initialLaneBytes = 32) {
    this.lanes = lanes;
    this.#streamValues = streamValues;
    const cap = Math.max(initialLaneBytes, VALUE_RESERVE_BYTES * 2);
    this.#buf = new Uint8Array(lanes * cap);
    // One ArrayBuffer for the three state arrays: a typed array with its own
    // buffer costs ~200 B, a view on a shared one ~100 B (memory-cost.ts).
    const state = new ArrayBuffer(lanes * (F_STRIDE * 8 + U_STRIDE * 4 + B_STRIDE));
    this.#f = new Float64Array(state, 0, lanes * F_STRIDE);
    this.#u = new Uint32Array(state, lanes * F_STRIDE * 8, lanes * U_STRIDE);
    this.#b = new Int8Array(state, lanes * (F_STRIDE * 8 + U_STRIDE * 4), lanes * B_STRIDE);
    for (let i = 0; i < lanes; i++) {
      const ui = i * U_STRIDE;
      this.#u[ui + U_START] = i * cap;
      this.#u[ui + U_END] = (i + 1) * cap;
      this.#u[ui + U_POS] = i * cap * 8;
      this.#b[i * B_STRIDE + B_HINT] = MODE_XOR;
    }
  }

  /** Append values[i] to lane i, for every lane. */
  appendRow(values: Float64Array): void {
    for (let i = 0; i < this.lanes; i++) this.#appendFrom(i, values, i);
    this.#rows++;
  }

  // Values travel as (typed array, index) down to where they are used: a
  // double passed to a call V8 does not inline would be boxed, one
  // allocation per value on the hottest path.
  #appendFrom(i: number, src: Float64Array, j: number): void {
    const u = this.#u;
    const ui = i * U_STRIDE;
    let pos = u[ui + U_POS]!;
    if ((pos >>> 3) + VALUE_RESERVE_BYTES > u[ui + U_END]!) {
      this.#grow(i);
      pos = u[ui + U_POS]!;
    }
    if (pos === u[ui + U_START]! * 8) pos = this.#startStream(i, src[j]!, pos);
    else if (this.#b[i * B_STRIDE + B_MODE]! >= 0) pos = this.#appendDecimal(i, src, j, pos);
    else pos = this.#appendXor(i, src, j, pos);
    u[ui + U_POS] = pos;
  }

  /** The shared buffer (lane regions; valid until the next append or reset). */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** First byte of lane `i`'s stream in `buffer`. */
  laneStart(i: number): number {
    return this.#u[i * U_STRIDE + U_START]!;
  }

  /** Bits written to lane `i`'s current stream. */
  laneBits(i: number): number {
    const ui = i * U_STRIDE;
    return this.#u[ui + U_POS]! - this.#u[ui + U_START]! * 8;
  }

  /** Bytes of lane `i`'s stream when sealed (tight: the last byte zero-padded). */
  laneBytes(i: number): number {
    return (this.laneBits(i) + 7) >>> 3;
  }

  /** Copy lane `i`'s sealed stream into `out` at `offset`; returns the offset after it. */
  copyLane(i: number, out: Uint8Array, offset: number): number {
    const start = this.laneStart(i);
    const len = this.laneBytes(i);
    out.set(this.#buf.subarray(start, start + len), offset);
    return offset + len;
  }

  /** Honest estimate of the memory held: buffers plus per-object overhead. */
  bytes(): number {
    return (
      this.#buf.byteLength +
      this.#f.buffer.byteLength +
      2 * MEMORY_COST.typedArray +
      2 * MEMORY_COST.view +
      MEMORY_COST.object
    );
  }

  /**
   * Start a new stream in every lane (after the caller copied the old ones
   * out). Regions are resized to what each lane used plus 1/16 and a reserve:
   * the next block of a series usually needs about as much as the last.
   */
  reset(): void {
    const u = this.#u;
    const b = this.#b;
    this.#rows = 0;
    let total = 0;
    for (let i = 0; i < this.lanes; i++) {
      const bi = i * B_STRIDE;
      const mode = b[bi + B_MODE]!;
      if (this.laneBits(i) > 0) b[bi + B_HINT] = mode >= 0 ? mode - b[bi + B_MIN_TZ]! : MODE_XOR;
      total += this.#nextCapacity(i);
    }
    // A new buffer when this one is too small or a fifth too big: one
    // allocation per block at most, and the window's memory stays tight.
    if (total > this.#buf.length || total * 5 < this.#buf.length * 4) {
      this.#buf = new Uint8Array(total);
    }
    let at = 0;
    for (let i = 0; i < this.lanes; i++) {
      const ui = i * U_STRIDE;
      const cap = this.#nextCapacity(i);
      u[ui + U_START] = at;
      u[ui + U_END] = at + cap;
      u[ui + U_POS] = at * 8;
      at += cap;
    }
  }

  #nextCapacity(i: number): number {
    const ui = i * U_STRIDE;
    const used = this.laneBytes(i);
    if (used === 0) return this.#u[ui + U_END]! - this.#u[ui + U_START]!;
    return used + (used >>> 4) + VALUE_RESERVE_BYTES;
  }

  /**
   * Make room in lane `i`: copy every lane into a new buffer. Each lane gets
   * at least its need projected to the whole stream from its bits so far
   * (when the stream length is known); lane `i` at least a quarter more.
   */
  #grow(i: number): void {
    const u = this.#u;
    const rows = this.#rows;
    const target = Math.max(this.#streamValues, rows + 1);
    const cap = (j: number): number => {
      const c = u[j * U_STRIDE + U_END]! - u[j * U_STRIDE + U_START]!;
      const used = this.laneBytes(j);
      const projected =
        rows > 0 && this.#streamValues > 0
          ? Math.ceil((used * target) / rows) + (used >>> 4) + VALUE_RESERVE_BYTES
          : 0;
      const own = j === i ? c + Math.max(c >>> 2, 2 * VALUE_RESERVE_BYTES) : c;
      return Math.max(own, projected);
    };
    let total = 0;
    for (let j = 0; j < this.lanes; j++) total += cap(j);
    const next = new Uint8Array(total);
    let at = 0;
    for (let j = 0; j < this.lanes; j++) {
      const uj = j * U_STRIDE;
      const c = cap(j);
      const start = u[uj + U_START]!;
      next.set(this.#buf.subarray(start, start + this.laneBytes(j)), at);
      u[uj + U_POS] = u[uj + U_POS]! - start * 8 + at * 8;
      u[uj + U_START] = at;
      u[uj + U_END] = at + c;
      at += c;
    }
    this.#buf = next;
  }

  /** Stream header (accumulator seeds) and the first value as a mode record. */
  #startStream(i: number, v: number, pos: number): number {
    const f = this.#f;
    const fi = i * F_STRIDE;
    const bi = i * B_STRIDE;
    const hint = this.#b[bi + B_HINT]!;
    const mode = hint >= 0 && !Number.isNaN(scaleAt(v, hint)) ? hint : smallestScale(v);
    const eD = accExponent(f[fi + F_ACC_D]!);
    const eDD = accExponent(f[fi + F_ACC_DD]!);
    f[fi + F_ACC_D] = accFromExponent(eD);
    f[fi + F_ACC_DD] = accFromExponent(eDD);
    this.#b[bi + B_MIN_TZ] = mode > 0 ? mode : 0;
    const p = putBits(this.#buf, pos, (eD << ACC_BITS) | eDD, 2 * ACC_BITS);
    return this.#modeRecord(i, v, mode, p);
  }

  /** Mode (4 bits), then the value in full: a signed scaled integer, or 64 IEEE bits. */
  #modeRecord(i: number, v: number, mode: number, pos: number): number {
    const buf = this.#buf;
    const bi = i * B_STRIDE;
    this.#b[bi + B_MODE] = mode;
    if (mode >= 0) {
      const s = scaleAt(v, mode);
      const fi = i * F_STRIDE;
      this.#f[fi + F_SCALED] = s;
      this.#f[fi + F_DELTA] = 0;
      const tz = this.#b[bi + B_MIN_TZ]!;
      if (tz > 0) this.#b[bi + B_MIN_TZ] = decimalTrailingZeros(s, tz);
      return putSigned(buf, putBits(buf, pos, mode, MODE_BITS), s);
    }
    splitFloat(v);
    const ui = i * U_STRIDE;
    const hi = scratchHi();
    const lo = scratchLo();
    this.#u[ui + U_HI] = hi;
    this.#u[ui + U_LO] = lo;
    this.#b[bi + B_LEAD] = NO_WINDOW;
    const p = putBits(buf, pos, MODE_CODE_XOR, MODE_BITS);
    return putBits32(buf, putBits32(buf, p, hi, 32), lo, 32);
  }

  /**
   * Decimal mode: the change of the scaled integer, predicted by 0 (delta)
   * or by the previous delta (delta of delta), whichever has been smaller
   * lately, Rice-coded. A value that does not fit escapes to a mode record.
   */
  #appendDecimal(i: number, src: Float64Array, j: number, pos: number): number {
    const v = src[j]!;
    const bi = i * B_STRIDE;
    const s = scaleAt(v, this.#b[bi + B_MODE]!);
    if (s === s) {
      const f = this.#f;
      const fi = i * F_STRIDE;
      const d = s - f[fi + F_SCALED]!;
      if (d > -RESIDUAL_LIMIT && d < RESIDUAL_LIMIT) {
        const aD = f[fi + F_ACC_D]!;
        const aDD = f[fi + F_ACC_DD]!;
        const dd = d - f[fi + F_DELTA]!;
        const useDod = aDD < aD;
        const r = useDod ? dd : d;
        if (r > -RESIDUAL_LIMIT && r < RESIDUAL_LIMIT) {
          const p = writeRice(this.#buf, pos, zigzag(r), riceParameter(useDod ? aDD : aD));
          f[fi + F_SCALED] = s;
          f[fi + F_DELTA] = d;
          f[fi + F_ACC_D] = accumulate(aD, Math.abs(d));
          f[fi + F_ACC_DD] = accumulate(aDD, Math.abs(dd));
          const tz = this.#b[bi + B_MIN_TZ]!;
          if (tz > 0) this.#b[bi + B_MIN_TZ] = decimalTrailingZeros(s, tz);
          return p;
        }
      }
    }
    this.#b[bi + B_MIN_TZ] = 0;
    return this.#modeRecord(i, v, smallestScale(v), writeSwitch(this.#buf, pos));
  }

  /**
   * XOR mode (Gorilla): '0' for identical bits; a value that has become
   * decimal switches back ('111' + mode record); else the XOR with the
   * previous bits, in the current window ('10') or a new one ('110').
   */
  #appendXor(i: number, src: Float64Array, j: number, pos: number): number {
    const v = src[j]!;
    const u = this.#u;
    const ui = i * U_STRIDE;
    splitFloat(v);
    const hi = scratchHi();
    const lo = scratchLo();
    const xh = (hi ^ u[ui + U_HI]!) >>> 0;
    const xl = (lo ^ u[ui + U_LO]!) >>> 0;
    if (xh === 0 && xl === 0) return putBits(this.#buf, pos, 0, 1);
    const k = smallestScale(v);
    if (k >= 0) {
      this.#b[i * B_STRIDE + B_MIN_TZ] = 0;
      return this.#modeRecord(i, v, k, putBits(this.#buf, pos, 0b111, 3));
    }
    u[ui + U_HI] = hi;
    u[ui + U_LO] = lo;
    return this.#writeXor(i, xh, xl, pos);
  }

  #writeXor(i: number, xh: number, xl: number, pos: number): number {
    const b = this.#b;
    const bi = i * B_STRIDE;
    let lead = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trail = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    const wl = b[bi + B_LEAD]!;
    const wt = b[bi + B_TRAIL]!;
    if (wl !== NO_WINDOW && lead >= wl && trail >= wt) {
      return putShifted(this.#buf, putBits(this.#buf, pos, 0b10, 2), xh, xl, wt, 64 - wl - wt);
    }
    if (lead > 31) lead = 31;
    const len = 64 - lead - trail;
    b[bi + B_LEAD] = lead;
    b[bi + B_TRAIL] = trail;
    const p = putBits(this.#buf, pos, (0b110 << 11) | (lead << 6) | (len - 1), 14);
    return putShifted(this.#buf, p, xh, xl, trail, len);
  }
}
