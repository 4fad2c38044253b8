import { ProtocolError } from './errors.js';
import type { ProtocolErrorCode } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A bounds-checked cursor over one frame payload. Every failure is a
 * ProtocolError naming the message type and the byte offset in the stream.
 */
export class ByteReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  end: number;
  /** Stream offset of buf[0], for error messages. */
  readonly base: number;
  readonly messageType: string;

  constructor(buf: Uint8Array, base: number, messageType: string) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.end = buf.length;
    this.base = base;
    this.messageType = messageType;
  }

  /** Build (not throw) an error located at the current position. */
  error(code: ProtocolErrorCode, what: string, at = this.pos): ProtocolError {
    const offset = this.base + at;
    return new ProtocolError(
      code,
      `${this.messageType} message at stream offset ${offset}: ${what}`,
      {
        messageType: this.messageType,
        offset,
      },
    );
  }

  remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw this.error('CANOPY_ERR_MALFORMED_FRAME', `truncated ${what}: need ${n} bytes`);
    }
  }

  u8(what: string): number {
    if (this.pos >= this.end) this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16le(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  /** A u64 that must fit a JS safe integer (hi half below 2^21). */
  u64le(what: string): number {
    this.need(8, what);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    if (hi >= 0x200000) {
      throw this.error('CANOPY_ERR_MALFORMED_FRAME', `${what} exceeds 2^53-1`);
    }
    this.pos += 8;
    return hi * 0x100000000 + lo;
  }

  /** Unsigned LEB128, at most 8 bytes, value at most 2^53-1. */
  varint(what: string): number {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (p >= end) throw this.error('CANOPY_ERR_MALFORMED_FRAME', `truncated ${what}`);
    let b = buf[p++]!;
    if (b < 0x80) {
      this.pos = p;
      return b;
    }
    let result = b & 0x7f;
    let mul = 128;
    for (let i = 1; i < 8; i++) {
      if (p >= end) throw this.error('CANOPY_ERR_MALFORMED_FRAME', `truncated ${what}`);
      b = buf[p++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) {
          throw this.error('CANOPY_ERR_MALFORMED_FRAME', `${what} exceeds 2^53-1`);
        }
        this.pos = p;
        return result;
      }
      mul *= 128;
    }
    throw this.error('CANOPY_ERR_MALFORMED_FRAME', `${what}: varint longer than 8 bytes`);
  }

  /** Zigzag varint back to a signed integer. */
  zigzag(what: string): number {
    const z = this.varint(what);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A varint count of items that each take at least one byte: checked before any allocation. */
  count(what: string, max: number, code: ProtocolErrorCode): number {
    const at = this.pos;
    const n = this.varint(what);
    if (n > max) throw this.error(code, `${what} ${n} exceeds limit ${max}`, at);
    if (n > this.remaining()) {
      throw this.error('CANOPY_ERR_MALFORMED_FRAME', `${what} ${n} exceeds the bytes left`, at);
    }
    return n;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Varint byte length then UTF-8 of at most maxBytes. */
  string(maxBytes: number, what: string): string {
    const at = this.pos;
    const n = this.varint(`${what} length`);
    if (n > maxBytes) {
      throw this.error('CANOPY_ERR_STRING_TOO_LONG', `${what}: ${n} bytes exceeds ${maxBytes}`, at);
    }
    return this.utf8(n, what);
  }

  /** Decode n bytes of UTF-8; invalid UTF-8 is malformed. */
  utf8(n: number, what: string): string {
    this.need(n, what);
    const start = this.pos;
    this.pos += n;
    if (n === 0) return '';
    try {
      return utf8.decode(this.buf.subarray(start, start + n));
    } catch (err) {
      throw new ProtocolError(
        'CANOPY_ERR_MALFORMED_FRAME',
        `${this.messageType} message at stream offset ${this.base + start}: ${what} is not UTF-8`,
        { messageType: this.messageType, offset: this.base + start, cause: err },
      );
    }
  }

  /** Fail unless the payload was consumed exactly. */
  expectEnd(): void {
    if (this.pos !== this.end) {
      throw this.error('CANOPY_ERR_MALFORMED_FRAME', `${this.end - this.pos} trailing bytes`);
    }
  }
}
