import type { BitReader } from './bit-reader.js';
import { putBits32 } from './bit-writer.js';

/**
 * The meaningful bits of a Gorilla XOR: the 64-bit XOR of two doubles, held
 * as two u32 halves, shifted right by its trailing-zero count and cut to
 * `len` bits. Plain 32-bit operations on the halves: no BigInt.
 */

/** Write bits [shift, shift + len) of the 64-bit (hi, lo), most significant first. */
export function putShifted(
  buf: Uint8Array,
  pos: number,
  hi: number,
  lo: number,
  shift: number,
  len: number,
): number {
  let sh: number;
  let sl: number;
  if (shift >= 32) {
    sh = 0;
    sl = hi >>> (shift - 32);
  } else if (shift === 0) {
    sh = hi;
    sl = lo;
  } else {
    sh = hi >>> shift;
    sl = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
  }
  if (len <= 32) return putBits32(buf, pos, sl, len);
  return putBits32(buf, putBits32(buf, pos, sh, len - 32), sl, 32);
}

/** Halves produced by readShifted (module scratch: no allocation per value). */
export const shifted = { hi: 0, lo: 0 };

/** Read `len` bits and shift them left by `shift` into `shifted.hi` / `shifted.lo`. */
export function readShifted(r: BitReader, shift: number, len: number): void {
  const sh = len > 32 ? r.read32(len - 32) : 0;
  const sl = r.read32(len <= 32 ? len : 32);
  if (shift >= 32) {
    shifted.hi = (sl << (shift - 32)) >>> 0;
    shifted.lo = 0;
  } else if (shift === 0) {
    shifted.hi = sh;
    shifted.lo = sl;
  } else {
    shifted.hi = ((sh << shift) | (sl >>> (32 - shift))) >>> 0;
    shifted.lo = (sl << shift) >>> 0;
  }
}
