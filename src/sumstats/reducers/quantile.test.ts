import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Observation, ReducerSpec } from './spec.js';
import { MERGE_MODES, cutsArb, partition, reduce, reduceMerged } from './test-support.js';

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 1];

// Positive, negative and zero values over 12 decades: the negative side
// catches a merge that drops the negative store (as sketches-js 2.1.1 does).
const magnitude = fc.double({ min: 1e-3, max: 1e9, noNaN: true });
const numArb = fc.oneof(
  { arbitrary: magnitude, weight: 5 },
  { arbitrary: magnitude.map((x) => -x), weight: 3 },
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 2 },
);
const streamArb = fc.array(
  numArb.map((num): Observation => ({ num })),
  { minLength: 1, maxLength: 400 },
);

/** Every reported quantile is within alpha·|x| of x, the stream value at rank ⌊q·(n−1)⌋. */
function assertAccurate(
  result: Record<string, unknown>,
  values: readonly number[],
  alpha: number,
): void {
  const sorted = [...values].sort((a, b) => a - b);
  assert.equal(result['count'], sorted.length);
  for (const q of QUANTILES) {
    const x = sorted[Math.floor(q * (sorted.length - 1))]!;
    const v = result[String(q)] as number;
    assert.ok(
      Math.abs(v - x) <= alpha * Math.abs(x) * (1 + 1e-9),
      `q=${q}: ${v} vs true ${x} (alpha ${alpha})`,
    );
  }
}

describe('quantile (DDSketch)', () => {
  for (const alpha of [0.001, 0.01, 0.05]) {
    it(`alpha=${alpha}: within relative accuracy of the true quantile, merged or not`, () => {
      const spec: ReducerSpec = { kind: 'quantile', relativeAccuracy: alpha, quantiles: QUANTILES };
      fc.assert(
        fc.property(streamArb, cutsArb, (stream, cuts) => {
          const values = stream.map((o) => o.num!);
          const whole = reduce(spec, stream).result() as Record<string, unknown>;
          assertAccurate(whole, values, alpha);
          for (const mode of MERGE_MODES) {
            const merged = reduceMerged(spec, partition(stream, cuts), mode).result();
            // Bucket counts add exactly, so the merged sketch is the whole one.
            assert.deepEqual(merged, whole, mode);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  it('reports exact min and max at quantiles 0 and 1, and nulls while empty', () => {
    const r = reduce({ kind: 'quantile', quantiles: [0, 1] }, [
      { num: 3.3 },
      { num: -7.1 },
      { num: 12 },
    ]);
    assert.deepEqual(r.result(), { '0': -7.1, '1': 12, count: 3 });
    assert.deepEqual(reduce({ kind: 'quantile' }, [{ str: 'x' }]).result(), {
      '0.5': null,
      '0.9': null,
      '0.99': null,
      count: 0,
    });
  });

  it('merges a partition whose top bucket is key 0 (value ≈ 1) into one below it', () => {
    // sketches-js DenseStore.merge treats maxKey 0 as "no max" and does not
    // extend its range; this reducer merges bin by bin instead.
    const spec: ReducerSpec = { kind: 'quantile', quantiles: [1] };
    const low = reduce(
      spec,
      Array.from({ length: 10 }, () => ({ num: 0.1 })),
    );
    low.merge(reduce(spec, [{ num: 0.9 }, { num: 1 }]));
    assert.deepEqual(low.result(), { '1': 1, count: 12 });
    const mid = reduce(
      { kind: 'quantile', quantiles: [0.95] },
      Array.from({ length: 10 }, () => ({ num: 0.1 })),
    );
    mid.merge(reduce({ kind: 'quantile', quantiles: [0.95] }, [{ num: 0.9 }, { num: 1 }]));
    const v = (mid.result() as Record<string, number>)['0.95']!;
    assert.ok(Math.abs(v - 0.9) <= 0.01 * 0.9, `${v}`);
  });

  it('collapses values over 21 decades below the max consistently, merged or not', () => {
    const wide = fc.double({ min: -300, max: 300, noNaN: true }).map((e) => 10 ** e);
    const spec: ReducerSpec = { kind: 'quantile', quantiles: QUANTILES };
    fc.assert(
      fc.property(
        fc.array(
          wide.map((num): Observation => ({ num })),
          { minLength: 1, maxLength: 300 },
        ),
        cutsArb,
        (stream, cuts) => {
          const sorted = stream.map((o) => o.num!).sort((a, b) => a - b);
          const whole = reduce(spec, stream).result() as Record<string, number>;
          assert.equal(whole['count'], stream.length);
          for (const q of QUANTILES) {
            const x = sorted[Math.floor(q * (sorted.length - 1))]!;
            // Within the covered range the guarantee holds; values further
            // below read as the lowest kept bin (an overestimate, by design).
            if (x >= sorted[sorted.length - 1]! * 1e-20) {
              assert.ok(Math.abs(whole[String(q)]! - x) <= 0.01 * x * (1 + 1e-9), `q=${q}`);
            }
          }
          for (const mode of MERGE_MODES) {
            assert.deepEqual(
              reduceMerged(spec, partition(stream, cuts), mode).result(),
              whole,
              mode,
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('bounds memory: values over 300 decades collapse the lowest bins', () => {
    const r = reduce(
      { kind: 'quantile' },
      Array.from({ length: 600 }, (_, i) => ({ num: 10 ** (i / 2 - 150) })),
    );
    assert.ok(r.bytes() < 24 * 1024, `${r.bytes()} bytes`);
    const top = (r.result() as Record<string, number>)['0.99']!;
    assert.ok(Math.abs(top - 10 ** (593 / 2 - 150)) <= 0.01 * 10 ** (593 / 2 - 150), `${top}`);
  });
});
