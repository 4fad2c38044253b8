import type { SetSample, SetSchema } from '../model/index.js';
import { ByteWriter, isZigzagSafe, utf8Bytes } from './byte-writer.js';
import { ProtocolError } from './errors.js';
import {
  ENTRY_FLAGS,
  ESCAPE_XOR,
  MODE_XOR,
  SCALED_LIMIT,
  SetCodecState,
  layoutOf,
  scaleAt,
  smallestScale,
  xorBase,
} from './value-codec.js';

/** How pass one decided to code a changed value. */
const KIND = { same: 0, scale: 1, xor: 2 } as const;

/**
 * Encoder side of the data-frame value codec: one instance per connection,
 * one SetCodecState per set id. Entries are coded in two passes (decide,
 * then write) because the bitmaps precede the values they describe.
 */
export class ValueEncoder {
  readonly #sets = new Map<number, SetCodecState>();
  readonly #body = new ByteWriter(1024);
  readonly #scratch = new DataView(new ArrayBuffer(8));
  readonly #bytes = new Uint8Array(this.#scratch.buffer);
  #kinds = new Uint8Array(64);
  #newScaled = new Float64Array(64);
  #changed = new Uint8Array(64);
  #stringBytes: (Uint8Array | undefined)[] = [];
  readonly #maxStringBytes: number;

  constructor(maxStringBytes: number) {
    this.#maxStringBytes = maxStringBytes;
  }

  /** (Re)declare a set: its next entry is a keyframe. */
  define(setId: number, schema: SetSchema): void {
    this.#sets.set(setId, new SetCodecState(layoutOf(schema)));
  }

  has(setId: number): boolean {
    return this.#sets.has(setId);
  }

  /** Metrics of a defined set (0 when unknown). */
  metricCount(setId: number): number {
    return this.#sets.get(setId)?.layout.metricCount ?? 0;
  }

  /** Make the next entry of `setId` a keyframe (peer re-requested the schema, or a frame was lost). */
  forceKeyframe(setId: number): void {
    const state = this.#sets.get(setId);
    if (state) state.needKeyframe = true;
  }

  /** Append one entry (set id, body length, body) to `out`. */
  encodeEntry(out: ByteWriter, setId: number, sample: SetSample): void {
    const state = this.#sets.get(setId);
    if (!state) {
      throw new ProtocolError(
        'CANOPY_ERR_UNKNOWN_SET',
        `set id ${setId}: no schema was sent on this connection`,
      );
    }
    checkSample(setId, sample, state);
    const body = this.#body;
    body.reset();
    this.#writeBody(body, state, sample);
    out.varint(setId);
    out.varint(body.pos);
    out.bytes(body.view());
  }

  #writeBody(w: ByteWriter, state: SetCodecState, sample: SetSample): void {
    const ts = sample.timestampMs;
    let keyframe = state.needKeyframe || !state.primed;
    const delta = ts - state.prevTimestampMs;
    const dod = delta - state.prevDeltaMs;
    if (!keyframe && !isZigzagSafe(dod)) keyframe = true;
    if (keyframe) state.reset();
    const { changedCount, numericChanged, escapes } = this.#decide(state, sample);
    const n = state.layout.metricCount;
    let flags = keyframe ? ENTRY_FLAGS.keyframe : 0;
    if (changedCount === n) flags |= ENTRY_FLAGS.allChanged;
    if (escapes > 0) flags |= ENTRY_FLAGS.escapes;
    w.u8(flags);
    if (keyframe) {
      w.zigzag(ts);
      state.prevDeltaMs = 0;
    } else {
      w.zigzag(dod);
      state.prevDeltaMs = delta;
    }
    state.prevTimestampMs = ts;
    if (changedCount !== n) this.#writeBitmap(w, n, (i) => this.#changed[i] === 1);
    if (escapes > 0) this.#writeModeBitmap(w, state, numericChanged);
    this.#writeValues(w, state, sample);
  }

  /** Pass one: which metrics changed and how each changed number is coded. */
  #decide(
    state: SetCodecState,
    sample: SetSample,
  ): { changedCount: number; numericChanged: number; escapes: number } {
    const n = state.layout.metricCount;
    this.#grow(n);
    const { values, modes, scaled, strings } = state;
    const isString = state.layout.isString;
    const changed = this.#changed;
    let changedCount = 0;
    let numericChanged = 0;
    let escapes = 0;
    for (let i = 0; i < n; i++) {
      if (isString[i] === 1) {
        const s = sample.strings?.[i];
        const c = s !== strings[i];
        changed[i] = c ? 1 : 0;
        if (c) {
          changedCount++;
          this.#stringBytes[i] = s === undefined ? undefined : this.#utf8(s, i);
        }
        continue;
      }
      const v = sample.values[i]!;
      if (Object.is(v, values[i])) {
        changed[i] = 0;
        continue;
      }
      changed[i] = 1;
      changedCount++;
      numericChanged++;
      const kind = this.#kindOf(v, modes[i]!, scaled[i]!, i);
      this.#kinds[i] = kind;
      if (kind !== KIND.same) escapes++;
    }
    return { changedCount, numericChanged, escapes };
  }

  #kindOf(v: number, mode: number, prevScaled: number, i: number): number {
    if (mode >= 0) {
      const s = scaleAt(v, mode);
      if (s === s && isZigzagSafe(s - prevScaled)) {
        this.#newScaled[i] = s;
        return KIND.same;
      }
    }
    const k = smallestScale(v);
    if (k >= 0) {
      this.#newScaled[i] = k; // pass two re-derives the scaled value at k
      return KIND.scale;
    }
    return mode === MODE_XOR ? KIND.same : KIND.xor;
  }

  #utf8(s: string, i: number): Uint8Array {
    const b = utf8Bytes(s, `string value of metric ${i}`);
    if (b.length > this.#maxStringBytes) {
      throw new ProtocolError(
        'CANOPY_ERR_STRING_TOO_LONG',
        `string value of metric ${i}: ${b.length} bytes exceeds maxStringBytes ${this.#maxStringBytes}`,
      );
    }
    return b;
  }

  #writeBitmap(w: ByteWriter, count: number, bit: (i: number) => boolean): void {
    for (let base = 0; base < count; base += 8) {
      let byte = 0;
      const lim = Math.min(8, count - base);
      for (let j = 0; j < lim; j++) if (bit(base + j)) byte |= 1 << j;
      w.u8(byte);
    }
  }

  #writeModeBitmap(w: ByteWriter, state: SetCodecState, numericChanged: number): void {
    const escaped: boolean[] = [];
    const n = state.layout.metricCount;
    for (let i = 0; i < n; i++) {
      if (this.#changed[i] === 1 && state.layout.isString[i] === 0) {
        escaped.push(this.#kinds[i] !== KIND.same);
      }
    }
    this.#writeBitmap(w, numericChanged, (j) => escaped[j] === true);
  }

  /** Pass two: write the changed values in metric order and update the state. */
  #writeValues(w: ByteWriter, state: SetCodecState, sample: SetSample): void {
    const n = state.layout.metricCount;
    const { values, modes, scaled, strings } = state;
    const isString = state.layout.isString;
    for (let i = 0; i < n; i++) {
      if (this.#changed[i] === 0) continue;
      if (isString[i] === 1) {
        const b = this.#stringBytes[i];
        this.#stringBytes[i] = undefined;
        w.varint(b === undefined ? 0 : b.length + 1);
        if (b !== undefined) w.bytes(b);
        strings[i] = sample.strings?.[i];
        continue;
      }
      const v = sample.values[i]!;
      const kind = this.#kinds[i];
      if (kind === KIND.same && modes[i]! >= 0) {
        const s = this.#newScaled[i]!;
        w.zigzag(s - scaled[i]!);
        scaled[i] = s;
      } else if (kind === KIND.scale) {
        const k = this.#newScaled[i]!;
        const s = scaleAt(v, k);
        w.u8(k);
        w.zigzag(s);
        modes[i] = k;
        scaled[i] = s;
      } else {
        if (kind === KIND.xor) w.u8(ESCAPE_XOR);
        this.#writeXor(w, values[i]!, v);
        modes[i] = MODE_XOR;
      }
      values[i] = v;
    }
  }

  /** Gorilla-style XOR against the previous value, with byte-granular zero counts. */
  #writeXor(w: ByteWriter, prev: number, v: number): void {
    const view = this.#scratch;
    xorBase(view, prev);
    const pHi = view.getUint32(0);
    const pLo = view.getUint32(4);
    view.setFloat64(0, v);
    const xHi = (view.getUint32(0) ^ pHi) >>> 0;
    const xLo = (view.getUint32(4) ^ pLo) >>> 0;
    const lead = xHi !== 0 ? Math.clz32(xHi) >>> 3 : 4 + (Math.clz32(xLo) >>> 3);
    const trail = xLo !== 0 ? ctz32(xLo) >>> 3 : 4 + (ctz32(xHi) >>> 3);
    view.setUint32(0, xHi);
    view.setUint32(4, xLo);
    w.u8((lead << 4) | trail);
    w.bytes(this.#bytes.subarray(lead, 8 - trail));
  }

  #grow(n: number): void {
    if (this.#kinds.length >= n) return;
    this.#kinds = new Uint8Array(n);
    this.#newScaled = new Float64Array(n);
    this.#changed = new Uint8Array(n);
  }
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

function checkSample(setId: number, sample: SetSample, state: SetCodecState): void {
  const n = state.layout.metricCount;
  if (sample.values.length !== n) {
    throw new ProtocolError(
      'CANOPY_ERR_INVALID_ARGUMENT',
      `set id ${setId}: sample has ${sample.values.length} values, schema has ${n} metrics`,
    );
  }
  const ts = sample.timestampMs;
  if (!Number.isInteger(ts) || ts <= -SCALED_LIMIT || ts >= SCALED_LIMIT) {
    throw new ProtocolError(
      'CANOPY_ERR_INVALID_ARGUMENT',
      `set id ${setId}: timestampMs ${ts} is not an integer within ±2^52`,
    );
  }
}
