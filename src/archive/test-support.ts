import fc from 'fast-check';

/** Same double, with any NaN equal to any NaN (payloads are not preserved) and -0 ≠ +0. */
export function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Values that stress every coding path: specials, huge integers, decimals, arbitrary doubles. */
export const valueArb: fc.Arbitrary<number> = fc.oneof(
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    2 ** 53,
    -(2 ** 53),
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    2 ** 52,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
  ),
  fc.maxSafeInteger(),
  fc
    .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 11 }))
    .map(([i, k]) => i / 10 ** k),
);

/** A run of values shaped like a metric: constant, counter (with resets), decimal walk, or noise. */
const segmentArb: fc.Arbitrary<number[]> = fc.oneof(
  fc.tuple(valueArb, fc.integer({ min: 1, max: 40 })).map(([v, n]) => Array<number>(n).fill(v)),
  fc
    .tuple(
      fc.maxSafeInteger().map((x) => Math.abs(x) / 2),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(-1)), { maxLength: 40 }),
    )
    .map(([start, steps]) => {
      let c = start;
      return steps.map((s) => (c = s < 0 ? 0 : Math.min(c + s, 2 ** 53 - 1)));
    }),
  fc
    .tuple(
      fc.integer({ min: -100000, max: 100000 }),
      fc.integer({ min: 0, max: 4 }),
      fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 40 }),
    )
    .map(([start, k, steps]) => {
      let s = start;
      return steps.map((d) => (s += d) / 10 ** k);
    }),
  fc.array(valueArb, { maxLength: 20 }),
);

/** A series: a few segments back to back, so mode switches happen mid-stream. */
export const seriesArb: fc.Arbitrary<number[]> = fc
  .array(segmentArb, { maxLength: 6 })
  .map((segments) => segments.flat());

/** Deterministic PRNG (mulberry32) for shaped test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
