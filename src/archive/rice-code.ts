import type { BitReader } from './bit-reader.js';
import { bitLength, putBits, putWide } from './bit-writer.js';
import { corruptChunk } from './errors.js';
import {
  ACC_CAP,
  ACC_DECAY,
  MAX_WIDTH,
  POW2,
  QMAX,
  SWITCH_CODE,
  WIDTH_BITS,
} from './stream-format.js';

/**
 * Adaptive Rice coding of non-negative integers below 2^53. The parameter k
 * comes from a running accumulator of recent residual magnitudes that the
 * encoder and the decoder update identically, so it is never transmitted
 * (except as a 6-bit seed at the start of a stream). Rice codes are close to
 * optimal for the two-sided geometric residuals of counters, gauges and
 * timestamps, cost 1 bit for a zero, and have no table to store.
 */

/** Quotient escape prefix: QMAX one bits. */
const ESCAPE = (1 << QMAX) - 1;

/** Returned by readRice when the escape carried SWITCH_CODE: a mode record follows. */
export const RICE_SWITCH = -1;

// Accumulators and residuals are below 2^31 almost always: the int32 fast
// paths below avoid Math.floor, which costs V8 several ns per call, and the
// double paths keep them exact up to 2^53.

/** Rice parameter for accumulator `a`. */
export function riceParameter(a: number): number {
  return a < 2147483648
    ? 32 - Math.clz32(a >>> ACC_DECAY)
    : bitLength(Math.floor(a / POW2[ACC_DECAY]!));
}

/**
 * Accumulator after one residual of magnitude `mag`: decays by 1/8, integers
 * only. One sample adds at most 2a + 16, so a lone spike or a counter reset
 * raises the Rice parameter by about one bit for a few samples instead of by
 * thirty bits for a hundred; a real change of level still wins within ~20.
 */
export function accumulate(a: number, mag: number): number {
  const limit = 2 * a + 16;
  const c = mag < limit ? mag : limit;
  const decay = a < 2147483648 ? a >>> ACC_DECAY : Math.floor(a / POW2[ACC_DECAY]!);
  return a - decay + (c < ACC_CAP ? c : ACC_CAP);
}

/** The 6-bit exponent a stream header carries for accumulator `a`. */
export function accExponent(a: number): number {
  return bitLength(a);
}

/** The accumulator a header exponent stands for (both ends restart from it). */
export function accFromExponent(e: number): number {
  return e === 0 ? 0 : POW2[e - 1]!;
}

/**
 * Write `z` with parameter `k`: the quotient z >> k in unary (ones, then a
 * zero) and k low bits; a quotient ≥ QMAX is escaped as QMAX ones, a 6-bit
 * bit length L of z and the L − 1 bits below its leading one.
 */
export function writeRice(buf: Uint8Array, pos: number, z: number, k: number): number {
  if (z < 2147483648 && k < 24) {
    const q = z >>> k;
    if (q < QMAX && q + 1 + k <= 24) {
      // One write: q ones, a zero, k low bits.
      return putBits(buf, pos, (((1 << (q + 1)) - 2) << k) | (z & ((1 << k) - 1)), q + 1 + k);
    }
  }
  const q = k === 0 ? z : Math.floor(z / POW2[k]!);
  if (q < QMAX) {
    const p = putBits(buf, pos, (1 << (q + 1)) - 2, q + 1);
    return putWide(buf, p, z - q * POW2[k]!, k);
  }
  const len = bitLength(z);
  const p = putBits(buf, pos, (ESCAPE << WIDTH_BITS) | len, QMAX + WIDTH_BITS);
  return putWide(buf, p, z - POW2[len - 1]!, len - 1);
}

/** Write the escape that announces a mode record. */
export function writeSwitch(buf: Uint8Array, pos: number): number {
  return putBits(buf, pos, (ESCAPE << WIDTH_BITS) | SWITCH_CODE, QMAX + WIDTH_BITS);
}

/** Read one Rice-coded integer with parameter `k`, or RICE_SWITCH. */
export function readRice(r: BitReader, k: number): number {
  // Fast path: unary, zero and k bits all inside one 25-bit peek.
  const w = r.peek();
  const ones = Math.clz32(~w);
  if (ones < QMAX && ones + 1 + k <= 25) {
    r.skip(ones + 1 + k);
    return k === 0 ? ones : (ones << k) | ((w << (ones + 1)) >>> (32 - k));
  }
  const q = r.readUnary(QMAX);
  if (q < QMAX) return k <= 24 ? (q << k) + r.read(k) : q * POW2[k]! + r.readWide(k);
  const len = r.read(WIDTH_BITS);
  if (len === SWITCH_CODE) return RICE_SWITCH;
  if (len === 0 || len > MAX_WIDTH) {
    throw corruptChunk(`${r.what}: escape width ${len} at bit ${r.pos - WIDTH_BITS}`);
  }
  return POW2[len - 1]! + r.readWide(len - 1);
}
