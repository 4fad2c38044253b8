import { decodeError } from './errors.js';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A bounds-checked reader over an untrusted reducer encoding. Every failure is
 * a SumStatsError CANOPY_ERR_SUMSTATS_DECODE naming the byte offset; counts
 * are checked against the bytes left before anything is allocated, so a
 * forged length cannot make the decoder allocate more than the input's size.
 */
export class ByteReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.remaining < n) throw decodeError(`truncated ${what} at offset ${this.pos}`);
  }

  u8(what = 'byte'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  varuint(what = 'integer'): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      this.need(1, what);
      const b = this.buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (value > Number.MAX_SAFE_INTEGER) break;
        return value;
      }
      scale *= 0x80;
    }
    throw decodeError(`${what} at offset ${this.pos} is not an integer below 2^53`);
  }

  varint(what = 'integer'): number {
    const z = this.varuint(what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64(what = 'float'): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(what = 'string'): string {
    const n = this.varuint(`${what} length`);
    const b = this.bytes(n, what);
    try {
      return UTF8.decode(b);
    } catch (err) {
      throw decodeError(`${what} at offset ${this.pos - n} is not UTF-8`, err);
    }
  }

  /**
   * A count of items that take at least `minItemBytes` each; refused when the
   * bytes left cannot hold that many, or above `max`.
   */
  count(what: string, minItemBytes: number, max: number): number {
    const at = this.pos;
    const n = this.varuint(`${what} count`);
    if (n > max || n * minItemBytes > this.remaining) {
      throw decodeError(`${what} count ${n} at offset ${at} is impossible here`);
    }
    return n;
  }

  /** Refuse trailing bytes: an encoding is exactly one reducer. */
  end(): void {
    if (this.remaining !== 0) {
      throw decodeError(`${this.remaining} trailing bytes at offset ${this.pos}`);
    }
  }
}
