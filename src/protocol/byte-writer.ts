import { ProtocolError } from './errors.js';

/** Largest magnitude a zigzag varint carries exactly: zigzag(d) stays below 2^53. */
export const ZIGZAG_LIMIT = 2 ** 52;

const utf8 = new TextEncoder();
/** In /u mode this matches only unpaired surrogates, which UTF-8 cannot carry. */
const LONE_SURROGATE = /\p{Cs}/u;

/** UTF-8 bytes of `s`; a lone surrogate would be silently replaced by U+FFFD, so it is refused. */
export function utf8Bytes(s: string, what: string): Uint8Array {
  if (LONE_SURROGATE.test(s)) {
    throw new ProtocolError(
      'CANOPY_ERR_INVALID_ARGUMENT',
      `${what}: string holds a lone surrogate`,
    );
  }
  return utf8.encode(s);
}

/** True when `d` is an integer that zigzag-encodes exactly (-2^52 <= d < 2^52). */
export function isZigzagSafe(d: number): boolean {
  return Number.isInteger(d) && d >= -ZIGZAG_LIMIT && d < ZIGZAG_LIMIT;
}

/**
 * A growable byte buffer with hand-written varints. Values above 2^31 are
 * handled with division, never BigInt, so 53-bit integers stay cheap.
 */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  pos = 0;

  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** The bytes written so far (a view; copy it before reusing the writer). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.pos);
  }

  /** A fresh copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.#buf[this.pos++] = v;
  }

  u16le(v: number): void {
    this.ensure(2);
    this.#view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32le(v: number): void {
    this.ensure(4);
    this.#view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** A safe non-negative integer as a u64, little-endian, in two u32 halves. */
  u64le(v: number): void {
    this.ensure(8);
    this.#view.setUint32(this.pos, v % 0x100000000, true);
    this.#view.setUint32(this.pos + 4, Math.floor(v / 0x100000000), true);
    this.pos += 8;
  }

  /** Write a u32 at an earlier position (length fields patched after the payload). */
  patchU32le(at: number, v: number): void {
    this.#view.setUint32(at, v, true);
  }

  /** Unsigned LEB128 of a safe non-negative integer (at most 8 bytes). */
  varint(v: number): void {
    // Guards the loop below: Infinity would never terminate, NaN/negatives would corrupt.
    if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER)) {
      throw new ProtocolError(
        'CANOPY_ERR_INVALID_ARGUMENT',
        `varint ${v} is not a safe non-negative integer`,
      );
    }
    this.ensure(8);
    const buf = this.#buf;
    let p = this.pos;
    while (v >= 0x80000000) {
      buf[p++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
    this.pos = p;
  }

  /** Zigzag varint of an integer in [-2^52, 2^52); callers check isZigzagSafe first. */
  zigzag(d: number): void {
    this.varint(d >= 0 ? d * 2 : -d * 2 - 1);
  }

  bytes(src: Uint8Array): void {
    this.ensure(src.length);
    this.#buf.set(src, this.pos);
    this.pos += src.length;
  }

  /** Varint byte length then UTF-8; `what` names the field in the error. */
  string(s: string, maxBytes: number, what: string): void {
    const encoded = utf8Bytes(s, what);
    if (encoded.length > maxBytes) {
      throw new ProtocolError(
        'CANOPY_ERR_STRING_TOO_LONG',
        `${what}: ${encoded.length} bytes exceeds maxStringBytes ${maxBytes}`,
      );
    }
    this.varint(encoded.length);
    this.bytes(encoded);
  }
}
