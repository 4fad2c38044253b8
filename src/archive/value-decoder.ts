import { BitReader } from './bit-reader.js';
import { unzigzag } from './bit-writer.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, corruptChunk } from './errors.js';
import { joinFloat } from './float-bits.js';
import { accFromExponent, accumulate, readRice, riceParameter, RICE_SWITCH } from './rice-code.js';
import {
  ACC_BITS,
  LEAD_BITS,
  LENGTH_BITS,
  MAX_SCALE,
  MODE_BITS,
  MODE_CODE_XOR,
  MODE_XOR,
  NO_WINDOW,
  POW10,
  RESIDUAL_LIMIT,
  SCALED_LIMIT,
} from './stream-format.js';
import { readShifted, shifted } from './xor-code.js';

/**
 * Decoder of one value stream (docs/archive-format.md, "Series chunk
 * encoding"). It mirrors the encoder's state exactly: the same predictor
 * choice and Rice parameter fall out of the same accumulators. Reusable:
 * `reset` points it at another stream without allocating.
 */
export class ValueStreamDecoder {
  readonly #r = new BitReader();
  #remaining = 0;
  #started = false;
  #mode = 0;
  #scaled = 0;
  #delta = 0;
  #accD = 0;
  #accDD = 0;
  #hi = 0;
  #lo = 0;
  #lead = NO_WINDOW;
  #trail = 0;
  #value = 0;
  readonly #one = new Float64Array(1);

  /**
   * Decode `count` values from bits [startBit, endBit) of `buf` (a sealed
   * stream is `reset(bytes, count)`). The stream does not carry its count:
   * its container does.
   */
  reset(buf: Uint8Array, count: number, startBit = 0, endBit = buf.length * 8): this {
    this.#r.reset(buf, startBit, endBit, 'value stream');
    this.#remaining = count;
    this.#started = false;
    return this;
  }

  /** Values left to decode. */
  get remaining(): number {
    return this.#remaining;
  }

  /** The next value. Throws CANOPY_ERR_CORRUPT_CHUNK when the stream ends early or is malformed. */
  next(): number {
    this.decode(this.#one, 0, 1);
    return this.#one[0]!;
  }

  /**
   * Decode the next `count` values into out[offset…]. The bulk path: values
   * go straight into a typed array, so none is boxed on the way.
   */
  decode(out: Float64Array, offset: number, count: number): void {
    if (count > this.#remaining) {
      throw new ArchiveError(
        ARCHIVE_ERROR_CODES.invalidArgument,
        `value stream: ${count} values asked, ${this.#remaining} left`,
      );
    }
    this.#remaining -= count;
    let j = offset;
    const end = offset + count;
    if (j < end && !this.#started) {
      this.#started = true;
      const e = this.#r.read(2 * ACC_BITS);
      this.#accD = accFromExponent(e >>> ACC_BITS);
      this.#accDD = accFromExponent(e & ((1 << ACC_BITS) - 1));
      this.#modeRecord();
      out[j++] = this.#value;
    }
    for (; j < end; j++) {
      if (this.#mode >= 0) this.#nextDecimal();
      else this.#nextXor();
      out[j] = this.#value;
    }
  }

  #modeRecord(): void {
    const r = this.#r;
    const mode = r.read(MODE_BITS);
    if (mode <= MAX_SCALE) {
      const s = r.readSigned();
      if (!(s > -SCALED_LIMIT && s < SCALED_LIMIT)) throw this.#bad(`scaled value ${s}`);
      this.#mode = mode;
      this.#scaled = s;
      this.#delta = 0;
      this.#value = mode === 0 ? s : s / POW10[mode]!;
      return;
    }
    if (mode !== MODE_CODE_XOR) throw this.#bad(`mode ${mode}`);
    this.#mode = MODE_XOR;
    this.#hi = r.read32(32);
    this.#lo = r.read32(32);
    this.#lead = NO_WINDOW;
    this.#value = joinFloat(this.#hi, this.#lo);
  }

  #nextDecimal(): void {
    const aD = this.#accD;
    const aDD = this.#accDD;
    const useDod = aDD < aD;
    const z = readRice(this.#r, riceParameter(useDod ? aDD : aD));
    if (z === RICE_SWITCH) {
      this.#modeRecord();
      return;
    }
    const prevDelta = this.#delta;
    const d = useDod ? prevDelta + unzigzag(z) : unzigzag(z);
    const s = this.#scaled + d;
    if (!(d > -RESIDUAL_LIMIT && d < RESIDUAL_LIMIT) || !(s > -SCALED_LIMIT && s < SCALED_LIMIT)) {
      throw this.#bad(`delta ${d} out of range`);
    }
    this.#accD = accumulate(aD, Math.abs(d));
    this.#accDD = accumulate(aDD, Math.abs(d - prevDelta));
    this.#scaled = s;
    this.#delta = d;
    const mode = this.#mode;
    this.#value = mode === 0 ? s : s / POW10[mode]!;
  }

  #nextXor(): void {
    const r = this.#r;
    if (r.read(1) === 0) return; // the same value again
    let shift: number;
    let len: number;
    if (r.read(1) === 0) {
      if (this.#lead === NO_WINDOW) throw this.#bad('XOR window reused before one was set');
      shift = this.#trail;
      len = 64 - this.#lead - shift;
    } else {
      if (r.read(1) === 1) {
        this.#modeRecord();
        return;
      }
      const head = r.read(LEAD_BITS + LENGTH_BITS);
      const lead = head >>> LENGTH_BITS;
      len = (head & ((1 << LENGTH_BITS) - 1)) + 1;
      shift = 64 - lead - len;
      if (shift < 0) throw this.#bad(`XOR window ${lead} + ${len} exceeds 64 bits`);
      this.#lead = lead;
      this.#trail = shift;
    }
    readShifted(r, shift, len);
    this.#hi = (this.#hi ^ shifted.hi) >>> 0;
    this.#lo = (this.#lo ^ shifted.lo) >>> 0;
    this.#value = joinFloat(this.#hi, this.#lo);
  }

  #bad(what: string): Error {
    return corruptChunk(`value stream: ${what} at bit ${this.#r.pos}`);
  }
}
