/**
 * Property: for the exact kinds, reducing a stream in 2–8 partitions and
 * merging (in order, as a tree, through encode/decode) gives what one reducer
 * over the whole stream gives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Observation, ReducerSpec } from './spec.js';
import {
  MERGE_MODES,
  cutsArb,
  observationArb,
  partition,
  reduce,
  reduceMerged,
} from './test-support.js';

// Doubles over many magnitudes (fast-check favours edge values: 0, −0,
// extremes, tiny), integers, and repeats from a short list.
const numArb = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(0.1, 0.2, 0.3, 1e-9, 123.456),
);
const strArb = fc.oneof(fc.constantFrom('a', 'b', 'c', 'é', '🌲'), fc.string({ maxLength: 6 }));
const streamArb = fc.array(observationArb(numArb, strArb), { maxLength: 200 });

function assertMergesExactly(spec: ReducerSpec): void {
  fc.assert(
    fc.property(streamArb, cutsArb, (stream, cuts) => {
      const whole = reduce(spec, stream).result();
      const parts = partition(stream, cuts);
      for (const mode of MERGE_MODES) {
        assert.deepEqual(reduceMerged(spec, parts, mode).result(), whole, `${mode} merge`);
      }
    }),
    { numRuns: 150 },
  );
}

const finite = (s: readonly Observation[]): number[] =>
  s.flatMap((o) => (o.num !== undefined && Number.isFinite(o.num) ? [o.num] : []));

describe('exact reducers merge to the whole-stream result', () => {
  for (const kind of ['sum', 'count', 'min', 'max', 'average'] as const) {
    it(`${kind}: bit for bit`, () => assertMergesExactly({ kind }));
  }

  it('last: the N newest values of the whole stream (partitions merged in stream order)', () => {
    assertMergesExactly({ kind: 'last', n: 7 });
  });

  it('unique below the cap: the exact distinct set', () => {
    assertMergesExactly({ kind: 'unique', n: 1000 });
  });

  it('sum and count match a plain count and an exactly rounded sum', () => {
    fc.assert(
      fc.property(streamArb, (stream) => {
        const nums = finite(stream);
        const sum = reduce({ kind: 'sum' }, stream).result();
        // A naive sum errs by at most n·ε·Σ|x|; the exact sum must be that close.
        const naive = nums.reduce((a, b) => a + b, 0);
        const mass = nums.reduce((a, b) => a + Math.abs(b), 0);
        if (nums.length === 0) assert.equal(sum, null);
        else assert.ok(Math.abs((sum as number) - naive) <= 1e-12 * mass, `${sum} vs ${naive}`);
        const counted = stream.filter((o) => o.str !== undefined || o.num !== undefined).length;
        assert.equal(reduce({ kind: 'count' }, stream).result(), counted);
      }),
    );
  });
});

describe('variance and std_dev (Welford, merged by Chan)', () => {
  // Variance is ill-conditioned when the spread is tiny next to the mean
  // (condition number ~ mean²/variance): squared deviations then carry float
  // noise of about n·ε·mean². The tolerance is 1e-9 relative plus that floor.
  function close(a: number | null, b: number | null, mean2: number): boolean {
    if (a === null || b === null) return a === b;
    return Math.abs(a - b) <= 1e-9 * b + 1e-13 * mean2;
  }

  for (const kind of ['variance', 'std_dev'] as const) {
    it(`${kind}: partitions merge to the whole-stream value within 1e-9 relative`, () => {
      fc.assert(
        fc.property(streamArb, cutsArb, (stream, cuts) => {
          const nums = finite(stream);
          const mean = nums.reduce((a, b) => a + b, 0) / Math.max(1, nums.length);
          const scale = kind === 'variance' ? mean * mean : Math.abs(mean);
          const whole = reduce({ kind }, stream).result() as number | null;
          for (const mode of MERGE_MODES) {
            const merged = reduceMerged({ kind }, partition(stream, cuts), mode).result() as
              number | null;
            assert.ok(close(merged, whole, scale), `${mode}: ${merged} vs ${whole}`);
          }
        }),
        { numRuns: 200 },
      );
    });
  }

  it('is the population variance (divisor n) against a two-pass reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 100 }),
        (xs) => {
          const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
          const ref = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
          const stream = xs.map((num) => ({ num }));
          const v = reduce({ kind: 'variance' }, stream).result() as number;
          const sd = reduce({ kind: 'std_dev' }, stream).result() as number;
          assert.ok(Math.abs(v - ref) <= 1e-9 * ref + 1e-13 * mean * mean, `${v} vs ${ref}`);
          assert.ok(Math.abs(sd - Math.sqrt(ref)) <= 1e-9 * Math.sqrt(ref) + 1e-6, `${sd}`);
        },
      ),
    );
  });

  it('gives 0 for one observation and null for none', () => {
    assert.equal(reduce({ kind: 'variance' }, [{ num: 5 }]).result(), 0);
    assert.equal(reduce({ kind: 'std_dev' }, [{ str: 'x' }]).result(), null);
  });
});

describe('edge cases of the exact kinds', () => {
  it('ignores non-finite numbers and string-only observations in numeric kinds', () => {
    const stream: Observation[] = [
      { num: NaN },
      { num: Infinity, str: 's' },
      { num: 2 },
      { str: 'x' },
    ];
    assert.equal(reduce({ kind: 'sum' }, stream).result(), 2);
    assert.equal(reduce({ kind: 'min' }, stream).result(), 2);
    assert.equal(reduce({ kind: 'average' }, stream).result(), 2);
    assert.equal(reduce({ kind: 'count' }, stream).result(), 3);
    assert.deepEqual(reduce({ kind: 'last', n: 5 }, stream).result(), ['s', 2, 'x']);
  });

  it('sums exactly where += loses the small terms', () => {
    const stream = [1e100, 1, -1e100, 0.1, 0.2].map((num) => ({ num }));
    assert.equal(reduce({ kind: 'sum' }, stream).result(), 1.3);
    assert.equal(reduce({ kind: 'average' }, stream).result(), 1.3 / 5);
  });

  it('empty reducers report null, 0 and []', () => {
    for (const kind of ['sum', 'min', 'max', 'average'] as const) {
      assert.equal(reduce({ kind }, []).result(), null, kind);
    }
    assert.equal(reduce({ kind: 'count' }, []).result(), 0);
    assert.deepEqual(reduce({ kind: 'last' }, []).result(), []);
  });

  it('unique caps: count stops at n, capped is set, and values come from the stream', () => {
    const stream = Array.from({ length: 50 }, (_, i) => ({ str: `v${i % 30}` }));
    const r = reduce({ kind: 'unique', n: 10 }, stream).result() as Record<string, unknown>;
    assert.equal(r['count'], 10);
    assert.equal(r['capped'], true);
    for (const v of r['values'] as string[]) assert.match(v, /^v([0-9]|[12][0-9])$/);
    const exact = reduce({ kind: 'unique', n: 30 }, stream).result() as Record<string, unknown>;
    assert.equal(exact['count'], 30);
    assert.equal(exact['capped'], false);
  });

  it('unique above the cap: count = min(distinct, n) and capped agree with the whole stream', () => {
    const spec = { kind: 'unique' as const, n: 4 };
    const small = fc.array(
      observationArb(fc.integer({ min: 0, max: 6 }), fc.constantFrom('a', 'b', 'c')),
      {
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(small, cutsArb, (stream, cuts) => {
        const distinct = new Set(
          stream.flatMap((o) => ((o.str ?? o.num) === undefined ? [] : [String(o.str ?? o.num)])),
        );
        const whole = reduce(spec, stream).result() as {
          count: number;
          capped: boolean;
          values: string[];
        };
        assert.equal(whole.count, Math.min(distinct.size, 4));
        assert.equal(whole.capped, distinct.size > 4);
        for (const mode of MERGE_MODES) {
          const merged = reduceMerged(spec, partition(stream, cuts), mode).result() as typeof whole;
          assert.equal(merged.count, whole.count, mode);
          assert.equal(merged.capped, whole.capped, mode);
          for (const v of merged.values) assert.ok(distinct.has(v));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('unique counts numbers by their decimal form when there is no string', () => {
    const r = reduce({ kind: 'unique' }, [{ num: 1 }, { num: 1.0 }, { str: '1' }, { num: 2 }]);
    assert.deepEqual(r.result(), { count: 2, capped: false, values: ['1', '2'] });
  });
});
