import { POW2 } from './stream-format.js';

/**
 * Bit-level writing into a byte buffer, most significant bit first. The
 * writer keeps no state besides the caller's bit position: a partial last
 * byte lives in the buffer itself (its unused low bits zero), so many streams
 * can share one buffer, each remembering only where it stands.
 */

const TWO_POW_24 = 16777216;

/**
 * Write the `n` low bits of `value` (0 ≤ n ≤ 24, 0 ≤ value < 2^n) at bit
 * position `pos` of `buf`; returns the next position. The caller guarantees
 * room (at least ceil((pos + n) / 8) bytes).
 */
export function putBits(buf: Uint8Array, pos: number, value: number, n: number): number {
  if (n === 0) return pos;
  let i = pos >>> 3;
  const used = pos & 7;
  // The bits already in the partial byte, followed by the new ones: ≤ 31 bits.
  const acc = used === 0 ? value : ((buf[i]! >>> (8 - used)) << n) | value;
  let bits = used + n;
  while (bits >= 8) {
    bits -= 8;
    buf[i++] = acc >>> bits; // a Uint8Array store keeps the low 8 bits
  }
  if (bits > 0) buf[i] = acc << (8 - bits);
  return pos + n;
}

/** Write an `n`-bit unsigned integer (n ≤ 53, value < 2^n, value an exact double). */
export function putWide(buf: Uint8Array, pos: number, value: number, n: number): number {
  if (n <= 24) return putBits(buf, pos, value, n);
  // Division, not shifts: `value` may exceed 2^32 and BigInt is far slower.
  const hi = Math.floor(value / TWO_POW_24);
  const next = putWide(buf, pos, hi, n - 24);
  return putBits(buf, next, value - hi * TWO_POW_24, 24);
}

/**
 * Write a signed integer below 2^53 in magnitude as sign (1 bit), bit length
 * L of the magnitude (6 bits, 0 for zero) and the L − 1 bits below its
 * leading one.
 */
export function putSigned(buf: Uint8Array, pos: number, value: number): number {
  const mag = Math.abs(value);
  const len = bitLength(mag);
  let p = putBits(buf, pos, ((value < 0 ? 1 : 0) << 6) | len, 7);
  if (len > 1) p = putWide(buf, p, mag - POW2[len - 1]!, len - 1);
  return p;
}

/** Bits needed for a non-negative integer below 2^53 (0 for 0). */
export function bitLength(x: number): number {
  return x < 4294967296 ? 32 - Math.clz32(x) : 64 - Math.clz32(x / 4294967296);
}

/** Zigzag map of an integer with |r| < 2^52 onto a non-negative integer below 2^53. */
export function zigzag(r: number): number {
  if (r > -1073741824 && r < 1073741824) return ((r << 1) ^ (r >> 31)) >>> 0;
  return r >= 0 ? 2 * r : -2 * r - 1;
}

/** Inverse of zigzag. (No `%` or Math.floor on the int32 path: both are slow on doubles in V8.) */
export function unzigzag(z: number): number {
  if (z < 2147483648) return (z >>> 1) ^ -(z & 1);
  const h = Math.floor(z / 2);
  return z === 2 * h ? h : -h - 1;
}

/** Write the `n` low bits of a u32 (n ≤ 32). */
export function putBits32(buf: Uint8Array, pos: number, value: number, n: number): number {
  if (n <= 24) return putBits(buf, pos, value, n);
  const p = putBits(buf, pos, value >>> 16, n - 16);
  return putBits(buf, p, value & 0xffff, 16);
}
