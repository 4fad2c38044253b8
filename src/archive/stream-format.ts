/**
 * Constants of the series chunk encoding (docs/archive-format.md, "Series
 * chunk encoding"). Encoder and decoder both derive every adaptive choice
 * from these and from the values already coded, so nothing here may change
 * without a new format version.
 */

/** Quotients at or above this are escaped: QMAX one bits, then a 6-bit width. */
export const QMAX = 16;
/** Bits of the width field after an escape. */
export const WIDTH_BITS = 6;
/** Width code that announces a mode record (a switch or re-anchor) instead of a residual. */
export const SWITCH_CODE = 63;
/** Bits of the mode field of a mode record. */
export const MODE_BITS = 4;
/** Mode code of XOR (Gorilla) coding; codes 0..9 are decimal scales, 10..14 are reserved. */
export const MODE_CODE_XOR = 15;
/** Mode of a lane in XOR coding, as held in the codec state (decimal scales are 0..9). */
export const MODE_XOR = -1;
/** Largest decimal scale k (value = scaled / 10^k). */
export const MAX_SCALE = 9;
/** Bits of an accumulator exponent in a stream header. */
export const ACC_BITS = 6;
/** Contribution of one residual to an accumulator is capped here, so accumulators stay exact. */
export const ACC_CAP = 2 ** 40;
/**
 * Accumulators decay by 1/2^ACC_DECAY per sample (a ≈ 8 × mean |residual|)
 * and the Rice parameter is the bit length of a / 2^ACC_DECAY.
 */
export const ACC_DECAY = 3;
/** Residuals and deltas stay strictly inside ±2^52 so zigzag stays exact in a double. */
export const RESIDUAL_LIMIT = 2 ** 52;
/** Scaled integers stay strictly inside ±2^53: every such integer is an exact double. */
export const SCALED_LIMIT = 2 ** 53;
/** Widest integer field: magnitudes below 2^53 have at most 53 bits. */
export const MAX_WIDTH = 53;
/** No XOR window yet (the next changed value opens one). */
export const NO_WINDOW = -1;
/** Bits of the leading-zero count of an XOR window (counts above 31 are clamped). */
export const LEAD_BITS = 5;
/** Bits of (meaningful length − 1) of an XOR window. */
export const LENGTH_BITS = 6;
/**
 * Bytes an encoder keeps free before coding one value: the longest value
 * (an escape then a 64-bit XOR record, 90 bits) plus a partial byte.
 */
export const VALUE_RESERVE_BYTES = 16;

/** Powers of ten up to 10^9: exact doubles, so scaled / 10^k is one correctly rounded division. */
export const POW10: readonly number[] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Powers of two 2^0..2^53, exact. */
export const POW2: readonly number[] = Array.from({ length: 54 }, (_, i) => 2 ** i);
