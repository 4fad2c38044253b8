import { ByteSource } from './byte-io.js';
import { corruptChunk } from './errors.js';
import { TimestampStreamDecoder } from './timestamp-stream.js';
import { ValueStreamDecoder } from './value-decoder.js';

/**
 * Reading a chunk body (docs/archive-format.md, "Chunk body"): a small
 * header — first timestamp, span, count, metrics, stream lengths with each
 * lane's kind — then the timestamp stream, one value stream per metric and
 * the string changes.
 */

/** How a lane's stream relates to the metric's values. */
export const LANE_KINDS = {
  /** The stream holds the values. */
  stream: 0,
  /** The stream holds one value, repeated `count` times. */
  constant: 1,
  /** The stream holds v − rate × j; the rate (a zigzag varint) follows the lane's length. */
  trend: 2,
} as const;

/** Parsed header of one chunk body; reusable (`parse` overwrites it). */
export class ChunkLayout {
  count = 0;
  tMin = 0;
  tMax = 0;
  metrics = 0;
  tsStart = 0;
  tsEnd = 0;
  stringsStart = 0;
  stringsEnd = 0;
  laneStart = new Float64Array(16);
  laneKind = new Uint8Array(16);
  laneRate = new Float64Array(16);

  /** Parse the body in buf[start, end); throws CANOPY_ERR_CORRUPT_CHUNK when malformed. */
  parse(buf: Uint8Array, start: number, end: number): this {
    const r = new ByteSource(buf, start, end, 'chunk header');
    this.tMin = r.f64();
    const span = r.varint();
    this.tMax = this.tMin + span;
    this.count = r.varint();
    const n = r.varint();
    if (!Number.isSafeInteger(this.tMin) || this.count < 1 || n < 1 || n > 65535) {
      throw r.error(`implausible header (tMin ${this.tMin}, count ${this.count}, metrics ${n})`);
    }
    this.metrics = n;
    this.#grow(n + 1);
    const tsBytes = r.varint();
    const lengths: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = r.varint();
      const kind = d % 4;
      if (kind > LANE_KINDS.trend) throw r.error(`lane ${i}: kind ${kind}`);
      this.laneKind[i] = kind;
      this.laneRate[i] = kind === LANE_KINDS.trend ? r.svarint() : 0;
      lengths.push((d - kind) / 4);
    }
    const stringBytes = r.varint();
    let at = r.pos;
    this.tsStart = at;
    at += tsBytes;
    this.tsEnd = at;
    for (let i = 0; i < n; i++) {
      this.laneStart[i] = at;
      at += lengths[i]!;
    }
    this.laneStart[n] = at;
    this.stringsStart = at;
    this.stringsEnd = at + stringBytes;
    if (this.stringsEnd !== end) {
      throw corruptChunk(`chunk header: streams end at ${this.stringsEnd}, body at ${end}`);
    }
    return this;
  }

  #grow(n: number): void {
    if (this.laneStart.length >= n) return;
    this.laneStart = new Float64Array(n);
    this.laneKind = new Uint8Array(n);
    this.laneRate = new Float64Array(n);
  }
}

// Decoding is synchronous, so one pair of decoders serves every read.
const tsDecoder = new TimestampStreamDecoder();
const valueDecoder = new ValueStreamDecoder();
const utf8 = new TextDecoder();

/** Decode the chunk's `count` timestamps into out[0…]. */
export function decodeTimestamps(buf: Uint8Array, c: ChunkLayout, out: Float64Array): void {
  tsDecoder.reset(buf, c.count, c.tsStart * 8, c.tsEnd * 8).decode(out, 0, c.count);
  if (out[0] !== c.tMin || out[c.count - 1] !== c.tMax) {
    throw corruptChunk(
      `timestamps ${out[0]}..${out[c.count - 1]} differ from the header's ${c.tMin}..${c.tMax}`,
    );
  }
}

/** Decode lane `lane`'s `count` values into out[0…]. */
export function decodeLane(buf: Uint8Array, c: ChunkLayout, lane: number, out: Float64Array): void {
  const start = c.laneStart[lane]! * 8;
  const end = c.laneStart[lane + 1]! * 8;
  const kind = c.laneKind[lane]!;
  if (kind === LANE_KINDS.constant) {
    const v = valueDecoder.reset(buf, 1, start, end).next();
    out.fill(v, 0, c.count);
    return;
  }
  valueDecoder.reset(buf, c.count, start, end).decode(out, 0, c.count);
  if (kind === LANE_KINDS.trend) {
    const rate = c.laneRate[lane]!;
    for (let j = 1; j < c.count; j++) out[j] = out[j]! + rate * j;
  }
}

/**
 * The string values of string metric number `ordinal` (its position among
 * the schema's string metrics), one per sample.
 */
export function decodeStrings(
  buf: Uint8Array,
  c: ChunkLayout,
  ordinal: number,
): (string | undefined)[] {
  const r = new ByteSource(buf, c.stringsStart, c.stringsEnd, 'chunk strings');
  const out: (string | undefined)[] = new Array<string | undefined>(c.count);
  for (let s = 0; s <= ordinal; s++) {
    const changes = r.varint();
    let index = 0;
    let value: string | undefined;
    for (let k = 0; k < changes; k++) {
      const next = index + r.varint();
      if (k === 0 ? next !== 0 : next <= index || next >= c.count)
        throw r.error(`change at sample ${next}`);
      if (s === ordinal) for (let j = index; j < next; j++) out[j] = value;
      index = next;
      const len = r.varint();
      value = len === 0 ? undefined : utf8.decode(r.bytes(len - 1));
    }
    if (changes === 0) throw r.error('string metric without a first value');
    if (s === ordinal) for (let j = index; j < c.count; j++) out[j] = value;
  }
  return out;
}
