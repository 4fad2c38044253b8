import { BitReader } from './bit-reader.js';
import { putBits, putSigned, unzigzag, zigzag } from './bit-writer.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, corruptChunk } from './errors.js';
import { MEMORY_COST } from './memory-cost.js';
import {
  accExponent,
  accFromExponent,
  accumulate,
  readRice,
  riceParameter,
  RICE_SWITCH,
  writeRice,
  writeSwitch,
} from './rice-code.js';
import { ACC_BITS, RESIDUAL_LIMIT, VALUE_RESERVE_BYTES } from './stream-format.js';

/**
 * Millisecond timestamps as a bit stream: a header (accumulator seed, first
 * timestamp, expected delta), then per sample the delta of delta, zigzag and
 * adaptive-Rice coded. A regular grid costs 1 bit per sample; jitter of a few
 * ms a few bits. Timestamps are safe integers; any order is accepted.
 */
export class TimestampStreamEncoder {
  #buf: Uint8Array;
  #pos = 0;
  #count = 0;
  #prev = 0;
  /** Last delta; carried into the next stream's header as its expected delta. */
  #delta = 0;
  #acc = 0;

  constructor(initialBytes = 32) {
    this.#buf = new Uint8Array(Math.max(initialBytes, 2 * VALUE_RESERVE_BYTES));
  }

  /** Append one timestamp (a safe integer, ms). */
  append(t: number): void {
    if (!Number.isSafeInteger(t)) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.invalidArgument,
        `timestamp ${t} is not a safe integer (ms)`,
      );
    }
    if ((this.#pos >>> 3) + VALUE_RESERVE_BYTES > this.#buf.length) this.#grow();
    const buf = this.#buf;
    if (this.#count === 0) {
      const e = accExponent(this.#acc);
      this.#acc = accFromExponent(e);
      this.#pos = putSigned(buf, putSigned(buf, putBits(buf, 0, e, ACC_BITS), t), this.#delta);
    } else {
      const d = t - this.#prev;
      const dd = d - this.#delta;
      if (
        d > -RESIDUAL_LIMIT &&
        d < RESIDUAL_LIMIT &&
        dd > -RESIDUAL_LIMIT &&
        dd < RESIDUAL_LIMIT
      ) {
        this.#pos = writeRice(buf, this.#pos, zigzag(dd), riceParameter(this.#acc));
        this.#acc = accumulate(this.#acc, Math.abs(dd));
        this.#delta = d;
      } else {
        // A jump too large for a residual: re-anchor on the absolute timestamp.
        this.#pos = putSigned(buf, writeSwitch(buf, this.#pos), t);
        this.#delta = 0;
      }
    }
    this.#prev = t;
    this.#count++;
  }

  /** Timestamps in the current stream. */
  get count(): number {
    return this.#count;
  }

  /** The buffer holding the current stream from bit 0 (valid until the next append). */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** Bits written to the current stream. */
  get bitLength(): number {
    return this.#pos;
  }

  /** Bytes the current stream would seal into. */
  get byteLength(): number {
    return (this.#pos + 7) >>> 3;
  }

  /** Copy the sealed stream into `out` at `offset`; returns the offset after it. */
  copyTo(out: Uint8Array, offset: number): number {
    const len = this.byteLength;
    out.set(this.#buf.subarray(0, len), offset);
    return offset + len;
  }

  /** The current stream as a tight copy; a new stream starts. */
  seal(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    this.copyTo(out, 0);
    this.reset();
    return out;
  }

  /** Start a new stream (keeping the learnt delta and Rice seed). */
  reset(): void {
    this.#pos = 0;
    this.#count = 0;
  }

  /** Estimated memory held. */
  bytes(): number {
    return this.#buf.byteLength + MEMORY_COST.typedArray + MEMORY_COST.object;
  }

  #grow(): void {
    const next = new Uint8Array(this.#buf.length * 2);
    next.set(this.#buf.subarray(0, this.byteLength));
    this.#buf = next;
  }
}

/** Decoder of a timestamp stream; reusable through `reset`. */
export class TimestampStreamDecoder {
  readonly #r = new BitReader();
  #remaining = 0;
  #started = false;
  #prev = 0;
  #delta = 0;
  #acc = 0;
  readonly #one = new Float64Array(1);

  /** Decode `count` timestamps from bits [startBit, endBit) of `buf`. */
  reset(buf: Uint8Array, count: number, startBit = 0, endBit = buf.length * 8): this {
    this.#r.reset(buf, startBit, endBit, 'timestamp stream');
    this.#remaining = count;
    this.#started = false;
    return this;
  }

  /** Timestamps left to decode. */
  get remaining(): number {
    return this.#remaining;
  }

  /** The next timestamp. Throws CANOPY_ERR_CORRUPT_CHUNK when the stream is malformed. */
  next(): number {
    this.decode(this.#one, 0, 1);
    return this.#one[0]!;
  }

  /** Decode the next `count` timestamps into out[offset…] (the bulk path: nothing boxed). */
  decode(out: Float64Array, offset: number, count: number): void {
    if (count > this.#remaining) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.invalidArgument,
        `timestamp stream: ${count} timestamps asked, ${this.#remaining} left`,
      );
    }
    this.#remaining -= count;
    let j = offset;
    const end = offset + count;
    if (j < end && !this.#started) {
      this.#started = true;
      this.#header();
      out[j++] = this.#prev;
    }
    for (; j < end; j++) {
      this.#step();
      out[j] = this.#prev;
    }
  }

  #header(): void {
    const r = this.#r;
    this.#acc = accFromExponent(r.read(ACC_BITS));
    this.#prev = this.#checked(r.readSigned());
    this.#delta = r.readSigned();
    if (!(Math.abs(this.#delta) < RESIDUAL_LIMIT)) throw this.#bad(`delta ${this.#delta}`);
  }

  #step(): void {
    const r = this.#r;
    const z = readRice(r, riceParameter(this.#acc));
    if (z === RICE_SWITCH) {
      this.#prev = this.#checked(r.readSigned());
      this.#delta = 0;
      return;
    }
    const dd = unzigzag(z);
    const d = this.#delta + dd;
    const t = this.#prev + d;
    if (!(Math.abs(d) < RESIDUAL_LIMIT) || !(Math.abs(t) <= Number.MAX_SAFE_INTEGER)) {
      throw this.#bad(`delta ${d}`);
    }
    this.#acc = accumulate(this.#acc, Math.abs(dd));
    this.#delta = d;
    this.#prev = t;
  }

  #checked(t: number): number {
    if (!Number.isSafeInteger(t)) throw this.#bad(`timestamp ${t}`);
    return t;
  }

  #bad(what: string): Error {
    return corruptChunk(`timestamp stream: ${what} at bit ${this.#r.pos}`);
  }
}
