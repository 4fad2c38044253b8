const UTF8 = new TextEncoder();

/**
 * A growable little-endian byte buffer for reducer encodings. Encoding is off
 * the hot path (once per key per epoch), so clarity wins over speed here.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initialBytes = 64) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v & 0xff;
  }

  /** LEB128 unsigned integer, exact up to 2^53 − 1 (arithmetic, not 32-bit shifts). */
  varuint(v: number): void {
    this.reserve(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.len++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.len++] = x;
  }

  /** Zig-zag signed integer (DDSketch bin keys are negative below 1). */
  varint(v: number): void {
    this.varuint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** A length-prefixed UTF-8 string. */
  string(s: string): void {
    const b = UTF8.encode(s);
    this.varuint(b.length);
    this.bytes(b);
  }

  /** A copy of the bytes written, sized exactly. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
