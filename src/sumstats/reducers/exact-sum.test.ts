import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExactSum } from './exact-sum.js';

// Values m·2^e with |m| < 2^53 and |e| ≤ 60: every one, and every sum of
// them, is an integer multiple of 2^-60, so a BigInt scaled by 2^60 holds
// the exact sum.
const valueArb = fc
  .tuple(fc.integer({ min: -(2 ** 53 - 1), max: 2 ** 53 - 1 }), fc.integer({ min: -60, max: 60 }))
  .map(([m, e]) => m * 2 ** e);
const SCALE = 60;

/** The double nearest to big·2^-SCALE, ties to even (the correctly rounded sum). */
function nearest(big: bigint): number {
  const sign = big < 0n ? -1 : 1;
  let a = big < 0n ? -big : big;
  const bits = a.toString(2).length;
  let shift = 0;
  if (bits > 53) {
    shift = bits - 53;
    const q = a >> BigInt(shift);
    const rem = a - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    a = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
  }
  return sign * Number(a) * 2 ** (shift - SCALE);
}

function exact(xs: readonly number[]): number {
  return nearest(xs.reduce((acc, x) => acc + BigInt(x * 2 ** SCALE), 0n));
}

function sumOf(xs: readonly number[]): ExactSum {
  const s = new ExactSum();
  for (const x of xs) s.add(x);
  return s;
}

describe('ExactSum', () => {
  it('is the correctly rounded exact sum', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 60 }), (xs) => {
        assert.equal(sumOf(xs).value(), exact(xs) + 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('does not depend on order or partitioning', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { maxLength: 60 }), fc.nat(), (xs, cut) => {
        const at = cut % (xs.length + 1);
        const left = sumOf(xs.slice(0, at));
        left.addAll(sumOf(xs.slice(at)));
        const reversed = sumOf([...xs].reverse());
        assert.equal(left.value(), sumOf(xs).value());
        assert.equal(reversed.value(), sumOf(xs).value());
      }),
    );
  });

  it('survives a round trip through its partials', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true })), (xs) => {
        const s = sumOf(xs);
        assert.equal(sumOf(s.parts()).value(), s.value());
      }),
    );
  });

  it('turns an overflow into ±Infinity like plain addition', () => {
    const s = sumOf([1.7e308, 1.7e308]);
    assert.equal(s.value(), Infinity);
    s.add(-1);
    assert.equal(s.value(), Infinity);
    assert.equal(sumOf(s.parts()).value(), Infinity);
  });
});
