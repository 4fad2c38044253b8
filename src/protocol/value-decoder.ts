import type { SetSample, SetSchema } from '../model/index.js';
import type { ByteReader } from './byte-reader.js';
import {
  ENTRY_FLAGS,
  ENTRY_FLAGS_MASK,
  ESCAPE_XOR,
  MAX_DECIMAL_SCALE,
  MODE_XOR,
  POPCOUNT8,
  POW10,
  SCALED_LIMIT,
  SetCodecState,
  layoutOf,
  xorBase,
} from './value-codec.js';

/**
 * Decoder side of the data-frame value codec: mirrors ValueEncoder's state
 * per set id. The hot loop walks the change bitmap a byte at a time and skips
 * unchanged metrics without touching them.
 */
export class ValueDecoder {
  readonly #sets = new Map<number, SetCodecState>();
  readonly #scratch = new DataView(new ArrayBuffer(8));
  readonly #bytes = new Uint8Array(this.#scratch.buffer);
  readonly #maxStringBytes: number;

  constructor(maxStringBytes: number) {
    this.#maxStringBytes = maxStringBytes;
  }

  /** Number of set ids defined on this connection. */
  get size(): number {
    return this.#sets.size;
  }

  has(setId: number): boolean {
    return this.#sets.has(setId);
  }

  /** Metrics of a defined set (0 when unknown). */
  metricCount(setId: number): number {
    return this.#sets.get(setId)?.layout.metricCount ?? 0;
  }

  /** (Re)declare a set: its state waits for a keyframe. */
  define(setId: number, schema: SetSchema): void {
    this.#sets.set(setId, new SetCodecState(layoutOf(schema)));
  }

  /**
   * True when an entry of `setId` with these flags can be decoded: the set
   * is known and either primed or this entry is a keyframe.
   */
  canDecode(setId: number, flags: number): boolean {
    const state = this.#sets.get(setId);
    return state !== undefined && (state.primed || (flags & ENTRY_FLAGS.keyframe) !== 0);
  }

  /** Decode one entry body; `r.end` must be the end of the body. */
  decodeEntry(r: ByteReader, setId: number): SetSample {
    const state = this.#sets.get(setId)!;
    const flagsAt = r.pos;
    const flags = r.u8('entry flags');
    if ((flags & ~ENTRY_FLAGS_MASK) !== 0) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `set ${setId}: unknown entry flags 0x${flags.toString(16)}`,
        flagsAt,
      );
    }
    if ((flags & ENTRY_FLAGS.keyframe) !== 0) state.reset();
    const timestampMs = this.#timestamp(r, state, flags, setId);
    const layout = state.layout;
    const nb = layout.bitmapBytes;
    let changedAt = -1;
    let numericChanged = layout.numericCount;
    if ((flags & ENTRY_FLAGS.allChanged) === 0) {
      changedAt = r.pos;
      r.need(nb, 'change bitmap');
      r.pos += nb;
      numericChanged = 0;
      for (let b = 0; b < nb; b++) {
        const byte = r.buf[changedAt + b]!;
        numericChanged += POPCOUNT8[byte & layout.numericMask[b]!]!;
      }
      if ((r.buf[changedAt + nb - 1]! & ~layout.fullMask[nb - 1]!) !== 0) {
        throw r.error(
          'CANOPY_ERR_MALFORMED_FRAME',
          `set ${setId}: change bitmap has bits past metric ${layout.metricCount - 1}`,
          changedAt,
        );
      }
    }
    let modeAt = -1;
    if ((flags & ENTRY_FLAGS.escapes) !== 0) {
      modeAt = r.pos;
      const mb = (numericChanged + 7) >>> 3;
      r.need(mb, 'mode bitmap');
      r.pos += mb;
    }
    this.#values(r, state, changedAt, modeAt, setId);
    return {
      timestampMs,
      values: state.values.slice(),
      strings: layout.hasStrings ? state.strings.slice() : null,
    };
  }

  #timestamp(r: ByteReader, state: SetCodecState, flags: number, setId: number): number {
    const at = r.pos;
    const z = r.zigzag('timestamp');
    let ts: number;
    if ((flags & ENTRY_FLAGS.keyframe) !== 0) {
      ts = z;
      state.prevDeltaMs = 0;
    } else {
      const delta = state.prevDeltaMs + z;
      ts = state.prevTimestampMs + delta;
      state.prevDeltaMs = delta;
    }
    if (!(ts > -SCALED_LIMIT && ts < SCALED_LIMIT) || !Number.isSafeInteger(state.prevDeltaMs)) {
      throw r.error('CANOPY_ERR_MALFORMED_FRAME', `set ${setId}: timestamp out of range`, at);
    }
    state.prevTimestampMs = ts;
    return ts;
  }

  /** Walk the changed metrics in order and apply each coded change to the state. */
  #values(
    r: ByteReader,
    state: SetCodecState,
    changedAt: number,
    modeAt: number,
    setId: number,
  ): void {
    const layout = state.layout;
    const buf = r.buf;
    const isString = layout.isString;
    let modeIndex = 0;
    for (let b = 0; b < layout.bitmapBytes; b++) {
      let bits = changedAt < 0 ? layout.fullMask[b]! : buf[changedAt + b]!;
      while (bits !== 0) {
        const low = bits & -bits;
        bits ^= low;
        const i = (b << 3) | (31 - Math.clz32(low));
        if (isString[i] === 1) {
          this.#string(r, state, i, setId);
          continue;
        }
        let escaped = false;
        if (modeAt >= 0) {
          escaped = ((buf[modeAt + (modeIndex >>> 3)]! >>> (modeIndex & 7)) & 1) === 1;
        }
        modeIndex++;
        if (escaped) this.#escaped(r, state, i, setId);
        else this.#same(r, state, i, setId);
      }
    }
    if (
      modeAt >= 0 &&
      (modeIndex & 7) !== 0 &&
      buf[modeAt + (modeIndex >>> 3)]! >>> (modeIndex & 7) !== 0
    ) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `set ${setId}: mode bitmap has stray bits`,
        modeAt,
      );
    }
  }

  /** A value in the metric's current mode: scaled delta, or XOR. */
  #same(r: ByteReader, state: SetCodecState, i: number, setId: number): void {
    const mode = state.modes[i]!;
    if (mode === MODE_XOR) {
      state.values[i] = this.#xor(r, state.values[i]!, setId);
      return;
    }
    const at = r.pos;
    // Inline fast path for 1- and 2-byte varints: nearly every steady-state delta.
    const buf = r.buf;
    let d: number;
    const b0 = at < r.end ? buf[at]! : 0x80;
    const b1 = at + 1 < r.end ? buf[at + 1]! : 0x80;
    if (b0 < 0x80) {
      r.pos = at + 1;
      d = (b0 >>> 1) ^ -(b0 & 1);
    } else if (b1 < 0x80) {
      r.pos = at + 2;
      const z = (b0 & 0x7f) | (b1 << 7);
      d = (z >>> 1) ^ -(z & 1);
    } else d = r.zigzag('value delta');
    const s = state.scaled[i]! + d;
    if (!(s > -SCALED_LIMIT && s < SCALED_LIMIT)) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `set ${setId}: metric ${i} scaled value out of range`,
        at,
      );
    }
    state.scaled[i] = s;
    state.values[i] = mode === 0 ? s : s / POW10[mode]!;
  }

  /** A value with an escape byte: a new decimal scale with an absolute value, or XOR. */
  #escaped(r: ByteReader, state: SetCodecState, i: number, setId: number): void {
    const at = r.pos;
    const e = r.u8('value escape');
    if (e === ESCAPE_XOR) {
      state.modes[i] = MODE_XOR;
      state.values[i] = this.#xor(r, state.values[i]!, setId);
      return;
    }
    if (e > MAX_DECIMAL_SCALE) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `set ${setId}: metric ${i} has unknown escape 0x${e.toString(16)}`,
        at,
      );
    }
    const s = r.zigzag('scaled value');
    if (!(s > -SCALED_LIMIT && s < SCALED_LIMIT)) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `set ${setId}: metric ${i} scaled value out of range`,
        at,
      );
    }
    state.modes[i] = e;
    state.scaled[i] = s;
    state.values[i] = e === 0 ? s : s / POW10[e]!;
  }

  #xor(r: ByteReader, prev: number, setId: number): number {
    const at = r.pos;
    const h = r.u8('xor header');
    const lead = h >>> 4;
    const trail = h & 15;
    const end = 8 - trail;
    if (lead + trail > 7) {
      throw r.error(
        'CANOPY_ERR_MALFORMED_FRAME',
        `set ${setId}: bad xor header 0x${h.toString(16)}`,
        at,
      );
    }
    r.need(end - lead, 'xor bytes');
    const view = this.#scratch;
    const bytes = this.#bytes;
    xorBase(view, prev);
    const buf = r.buf;
    let p = r.pos;
    for (let j = lead; j < end; j++) bytes[j]! ^= buf[p++]!;
    r.pos = p;
    return view.getFloat64(0);
  }

  #string(r: ByteReader, state: SetCodecState, i: number, setId: number): void {
    const at = r.pos;
    const tag = r.varint('string length');
    if (tag === 0) {
      state.strings[i] = undefined;
      return;
    }
    if (tag - 1 > this.#maxStringBytes) {
      throw r.error(
        'CANOPY_ERR_STRING_TOO_LONG',
        `set ${setId}: metric ${i} string of ${tag - 1} bytes`,
        at,
      );
    }
    state.strings[i] = r.utf8(tag - 1, `set ${setId} metric ${i} string`);
  }
}
