/**
 * The IEEE-754 bits of a double as two u32 halves, through one aliased
 * scratch buffer: no BigInt (~30x slower) and no DataView allocation. The
 * halves are picked by the platform's byte order, detected once.
 */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = LITTLE_ENDIAN ? 0 : 1;

/** Store `v` in the scratch; read its halves with scratchHi / scratchLo. */
export function splitFloat(v: number): void {
  f64[0] = v;
}

/** High 32 bits (sign, exponent, top of the mantissa) of the last splitFloat. */
export function scratchHi(): number {
  return u32[HI]!;
}

/** Low 32 bits of the last splitFloat. */
export function scratchLo(): number {
  return u32[LO]!;
}

/** The double with these bits. A NaN's payload may not survive every engine path. */
export function joinFloat(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

/** Count of trailing zero bits of a u32 (32 for 0). */
export function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
