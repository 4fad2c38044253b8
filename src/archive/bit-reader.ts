import { corruptChunk } from './errors.js';
import { POW2 } from './stream-format.js';

const TWO_POW_24 = 16777216;

/**
 * Reads a bit stream written by bit-writer.ts, most significant bit first,
 * between two bit positions of a byte buffer. Every read is checked against
 * the end, so a truncated or garbled stream raises CANOPY_ERR_CORRUPT_CHUNK
 * instead of reading another stream's bytes.
 */
export class BitReader {
  #buf: Uint8Array = new Uint8Array(0);
  /** Next bit to read (absolute in the buffer). */
  pos = 0;
  /** First bit past the stream. */
  end = 0;
  /** Names the stream in error messages. */
  what = 'stream';

  /** Read bits [startBit, endBit) of `buf`. */
  reset(buf: Uint8Array, startBit: number, endBit: number, what: string): void {
    if (startBit < 0 || endBit < startBit || endBit > buf.length * 8) {
      throw corruptChunk(`${what}: bit span [${startBit}, ${endBit}) outside ${buf.length} bytes`);
    }
    this.#buf = buf;
    this.pos = startBit;
    this.end = endBit;
    this.what = what;
  }

  /** Bits left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** The 32 bits starting at byte `i`, big-endian; bytes past the buffer read as zero. */
  #word(i: number): number {
    const b = this.#buf;
    if (i + 3 < b.length)
      return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    let w = 0;
    for (let j = 0; j < 4; j++) w = (w << 8) | (i + j < b.length ? b[i + j]! : 0);
    return w >>> 0;
  }

  /** Read an `n`-bit unsigned integer, 0 ≤ n ≤ 24. */
  read(n: number): number {
    if (n === 0) return 0;
    const pos = this.pos;
    if (pos + n > this.end) throw this.#truncated(n);
    this.pos = pos + n;
    return ((this.#word(pos >>> 3) << (pos & 7)) >>> (32 - n)) >>> 0;
  }

  /**
   * The next 32 bits without consuming them, as an int32; at least the first
   * 25 are the stream's (or past its end: `skip` checks). For decoders that
   * take several fields from one load.
   */
  peek(): number {
    const pos = this.pos;
    return this.#word(pos >>> 3) << (pos & 7);
  }

  /** Consume `n` bits after a `peek`. */
  skip(n: number): void {
    if (this.pos + n > this.end) throw this.#truncated(n);
    this.pos += n;
  }

  /** Read an `n`-bit unsigned integer, n ≤ 53. */
  readWide(n: number): number {
    if (n <= 24) return this.read(n);
    const hi = this.readWide(n - 24);
    return hi * TWO_POW_24 + this.read(24);
  }

  /** Read an `n`-bit unsigned integer as a u32, n ≤ 32. */
  read32(n: number): number {
    if (n <= 24) return this.read(n);
    const hi = this.read(n - 16);
    return ((hi << 16) | this.read(16)) >>> 0;
  }

  /**
   * Count one bits up to `max` (≤ 24). Below `max` the terminating zero is
   * consumed too; at `max` only the ones are (that is the escape).
   */
  readUnary(max: number): number {
    const pos = this.pos;
    const avail = Math.min(24, this.end - pos);
    const peek = avail <= 0 ? 0 : ((this.#word(pos >>> 3) << (pos & 7)) >>> 8) >>> 0;
    // Leading ones of the 24-bit peek = leading zeros of its complement.
    const ones = Math.clz32(~(peek << 8));
    if (ones >= max) {
      if (max > avail) throw this.#truncated(max);
      this.pos = pos + max;
      return max;
    }
    if (ones + 1 > avail) throw this.#truncated(ones + 1);
    this.pos = pos + ones + 1;
    return ones;
  }

  /** Read a signed integer written by putSigned. */
  readSigned(): number {
    const head = this.read(7);
    const len = head & 63;
    if (len > 53) throw corruptChunk(`${this.what}: integer width ${len} at bit ${this.pos - 7}`);
    if (len === 0) {
      if (head !== 0)
        throw corruptChunk(`${this.what}: negative zero integer at bit ${this.pos - 7}`);
      return 0;
    }
    const mag = POW2[len - 1]! + this.readWide(len - 1);
    return head >= 64 ? -mag : mag;
  }

  #truncated(n: number): Error {
    return corruptChunk(
      `${this.what}: needs ${n} bits at bit ${this.pos}, stream ends at ${this.end}`,
    );
  }
}
