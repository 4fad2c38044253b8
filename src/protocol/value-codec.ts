import type { SetSchema } from '../model/index.js';

/**
 * Shared definitions of the data-frame value encoding. The encoder and the
 * decoder each keep one SetCodecState per set id and update it identically,
 * so a value is sent as a small change against what the peer already holds.
 * See docs/protocol.md, "Data entries", for the byte layout.
 */

/** Entry flag bits (one byte at the start of an entry body). */
export const ENTRY_FLAGS = {
  /** State was reset before this entry: timestamp absolute, values against zero. */
  keyframe: 0x01,
  /** Every metric changed: the change bitmap is omitted. */
  allChanged: 0x02,
  /** A mode bitmap follows the change bitmap: some values carry an escape byte. */
  escapes: 0x04,
} as const;
export const ENTRY_FLAGS_MASK = 0x07;

/** Escape byte for an XOR-coded value; bytes 0..9 select a decimal scale. */
export const ESCAPE_XOR = 0x10;
/** Largest decimal scale k (value = scaled / 10^k). */
export const MAX_DECIMAL_SCALE = 9;
/** Value mode of a metric that is XOR-coded; modes 0..9 are decimal scales. */
export const MODE_XOR = -1;
/** Scaled integers and timestamps stay strictly inside ±2^52 so zigzag is exact. */
export const SCALED_LIMIT = 2 ** 52;

/** Powers of ten up to 10^9: all exact doubles, so scaled / 10^k is one correctly rounded division. */
export const POW10: readonly number[] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** What the value codec needs to know about a schema, precomputed once. */
export interface SetLayout {
  readonly metricCount: number;
  /** 1 where the metric is a string. */
  readonly isString: Uint8Array;
  readonly hasStrings: boolean;
  readonly numericCount: number;
  /** Bytes of a change bitmap. */
  readonly bitmapBytes: number;
  /** Per bitmap byte: the bits that map to metrics (all ones except the last byte). */
  readonly fullMask: Uint8Array;
  /** Per bitmap byte: the bits that map to numeric metrics. */
  readonly numericMask: Uint8Array;
}

export function layoutOf(schema: SetSchema): SetLayout {
  const n = schema.metrics.length;
  const bitmapBytes = (n + 7) >>> 3;
  const isString = new Uint8Array(n);
  const fullMask = new Uint8Array(bitmapBytes);
  const numericMask = new Uint8Array(bitmapBytes);
  let numericCount = 0;
  schema.metrics.forEach((m, i) => {
    const bit = 1 << (i & 7);
    fullMask[i >>> 3]! |= bit;
    if (m.type === 'string') isString[i] = 1;
    else {
      numericMask[i >>> 3]! |= bit;
      numericCount++;
    }
  });
  return {
    metricCount: n,
    isString,
    hasStrings: numericCount < n,
    numericCount,
    bitmapBytes,
    fullMask,
    numericMask,
  };
}

/** Previous sample of one set on one connection, as both ends see it. */
export class SetCodecState {
  readonly layout: SetLayout;
  readonly values: Float64Array;
  /** Scaled integer of each value in decimal mode (value * 10^mode). */
  readonly scaled: Float64Array;
  /** Per metric: MODE_XOR or a decimal scale 0..9. */
  readonly modes: Int8Array;
  readonly strings: (string | undefined)[];
  prevTimestampMs = 0;
  prevDeltaMs = 0;
  /** False until a keyframe was coded: deltas need a base. */
  primed = false;
  /** Set by forceKeyframe: the next entry resets the state. */
  needKeyframe = false;

  constructor(layout: SetLayout) {
    this.layout = layout;
    const n = layout.metricCount;
    this.values = new Float64Array(n);
    this.scaled = new Float64Array(n);
    this.modes = new Int8Array(n);
    this.strings = new Array<string | undefined>(n).fill(undefined);
    this.reset();
    this.primed = false;
  }

  /** The keyframe base: numbers 0 in decimal mode 0, strings undefined (string slots hold NaN). */
  reset(): void {
    this.values.fill(0);
    this.scaled.fill(0);
    this.modes.fill(0);
    this.strings.fill(undefined);
    const isString = this.layout.isString;
    for (let i = 0; i < isString.length; i++) if (isString[i] === 1) this.values[i] = NaN;
    this.prevTimestampMs = 0;
    this.prevDeltaMs = 0;
    this.primed = true;
    this.needKeyframe = false;
  }
}

/**
 * The scaled integer of `v` at decimal scale k when `scaled / 10^k` gives
 * back exactly `v` (and |scaled| < 2^52), else NaN. -0 never scales: it
 * would come back as +0.
 */
export function scaleAt(v: number, k: number): number {
  if (k === 0) {
    return Number.isInteger(v) && v > -SCALED_LIMIT && v < SCALED_LIMIT && (v !== 0 || 1 / v > 0)
      ? v
      : NaN;
  }
  const p = POW10[k]!;
  const s = Math.round(v * p);
  if (s > -SCALED_LIMIT && s < SCALED_LIMIT && s / p === v && (v !== 0 || 1 / v > 0)) return s;
  return NaN;
}

/** Smallest decimal scale at which `v` round-trips, or -1. */
export function smallestScale(v: number): number {
  if (!(v > -SCALED_LIMIT && v < SCALED_LIMIT)) return -1; // NaN, ±Inf, huge
  for (let k = 0; k <= MAX_DECIMAL_SCALE; k++) {
    if (!Number.isNaN(scaleAt(v, k))) return k;
  }
  return -1;
}

/** Population count of each byte value, for sizing the mode bitmap. */
export const POPCOUNT8: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >>> 1]!;
  return t;
})();

/** High and low u32 of the bits XOR-coding uses as base for `prev` (any NaN → canonical NaN). */
export function xorBase(view: DataView, prev: number): void {
  if (Number.isNaN(prev)) {
    // Implementations may canonicalise NaN payloads differently when storing
    // them, so both ends XOR against one fixed NaN instead of prev's bits.
    view.setUint32(0, 0x7ff80000);
    view.setUint32(4, 0);
  } else {
    view.setFloat64(0, prev);
  }
}
