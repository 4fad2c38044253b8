import { corruptChunk } from './errors.js';

/**
 * Byte-level writing and reading for the archive's container formats (chunk
 * headers, index entries). Little-endian; varints are LEB128 of unsigned
 * integers below 2^53, computed with arithmetic so they stay exact above 2^31.
 */

const TWO_POW_7 = 128;

/** A growable byte buffer written front to back. */
export class ByteSink {
  #buf: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Make room for `n` more bytes. */
  need(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.need(1);
    this.#buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.need(4);
    this.#view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.need(8);
    this.#view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Unsigned integer 0 ≤ v < 2^53, 7 bits per byte, low groups first. */
  varint(v: number): void {
    this.need(8);
    let x = v;
    while (x >= TWO_POW_7) {
      this.#buf[this.pos++] = (x % TWO_POW_7) | 0x80;
      x = Math.floor(x / TWO_POW_7);
    }
    this.#buf[this.pos++] = x;
  }

  /** Signed integer |v| < 2^31 as a zigzag varint. */
  svarint(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.#buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}

/** Reads a byte range; running past its end is a corrupt chunk named by `what` and position. */
export class ByteSource {
  readonly buf: Uint8Array;
  readonly end: number;
  readonly #view: DataView;
  readonly #what: string;
  pos: number;

  constructor(buf: Uint8Array, start: number, end: number, what: string) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#what = what;
  }

  #need(n: number): void {
    if (this.pos + n > this.end) throw this.error(`needs ${n} bytes, ${this.end - this.pos} left`);
  }

  u8(): number {
    this.#need(1);
    return this.buf[this.pos++]!;
  }

  u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= TWO_POW_7;
    }
    throw this.error('varint longer than 8 bytes');
  }

  svarint(): number {
    const z = this.varint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A view of the next `n` bytes. */
  bytes(n: number): Uint8Array {
    this.#need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  error(what: string): Error {
    return corruptChunk(`${this.#what}: ${what} at byte ${this.pos}`);
  }
}
