import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createReducer } from './create-reducer.js';
import type { KeptValue, Observation, Reducer } from './spec.js';
import {
  MERGE_MODES,
  cutsArb,
  observationArb,
  partition,
  prng,
  reduce,
  reduceMerged,
} from './test-support.js';

type SampleResult = { samples: KeptValue[]; seen: number };

const streamArb = fc.array(
  observationArb(fc.integer({ min: -50, max: 50 }), fc.constantFrom('x', 'y', 'z', 'ü')),
  { maxLength: 300 },
);

/** Multiset of the values sample keeps from a stream (`num ?? str`). */
function keptCounts(stream: readonly Observation[]): Map<KeptValue, number> {
  const m = new Map<KeptValue, number>();
  for (const o of stream) {
    const v = o.num ?? o.str;
    if (v !== undefined) m.set(v, (m.get(v) ?? 0) + 1);
  }
  return m;
}

function assertValidSample(r: SampleResult, stream: readonly Observation[], n: number): void {
  const avail = keptCounts(stream);
  const seen = [...avail.values()].reduce((a, b) => a + b, 0);
  assert.equal(r.seen, seen);
  assert.equal(r.samples.length, Math.min(n, seen));
  // Only elements of the stream, and no element more often than it occurs.
  const used = new Map<KeptValue, number>();
  for (const v of r.samples) {
    used.set(v, (used.get(v) ?? 0) + 1);
    assert.ok(used.get(v)! <= (avail.get(v) ?? 0), `${String(v)} sampled more often than seen`);
  }
}

/** Pearson's χ² statistic of observed counts against a uniform expectation. */
function chiSquare(observed: readonly number[], expected: number): number {
  return observed.reduce((acc, o) => acc + (o - expected) ** 2 / expected, 0);
}

describe('sample (reservoir, Algorithm R, merged by weighted draw)', () => {
  it('holds min(n, seen) elements of the stream, merged or not', () => {
    fc.assert(
      fc.property(streamArb, cutsArb, fc.integer({ min: 1, max: 20 }), (stream, cuts, n) => {
        const spec = { kind: 'sample' as const, n };
        assertValidSample(reduce(spec, stream).result() as SampleResult, stream, n);
        for (const mode of MERGE_MODES) {
          const merged = reduceMerged(spec, partition(stream, cuts), mode);
          assertValidSample(merged.result() as SampleResult, stream, n);
        }
      }),
      { numRuns: 300 },
    );
  });

  // 20 distinct values, reservoir of 5, 4000 trials: each value is expected
  // in 1000 samples. χ² with 19 degrees of freedom exceeds 43.8 with
  // probability 0.001; the seed is fixed, so the outcome is reproducible.
  // Uneven partitions (3 + 17, 17 + 3, 1 + 4 + 15) catch a merge that weighs
  // either side by its reservoir size instead of by the observations it saw.
  const CHI2_P001_DF19 = 43.82;
  for (const cuts of [[3], [17], [1, 5], []] as const) {
    it(`is uniform over the stream (χ², partitions at [${cuts.join(', ')}])`, () => {
      const random = prng(7 + cuts.length);
      const stream = Array.from({ length: 20 }, (_, i) => ({ num: i }));
      const hits = new Array<number>(20).fill(0);
      const trials = 4000;
      for (let t = 0; t < trials; t++) {
        const rs: Reducer[] = partition(stream, cuts).map((part) => {
          const r = createReducer({ kind: 'sample', n: 5 }, { random });
          for (const o of part) r.add(o);
          return r;
        });
        const [first, ...rest] = rs;
        for (const r of rest) first!.merge(r);
        for (const v of (first!.result() as SampleResult).samples) hits[v as number]!++;
      }
      const chi2 = chiSquare(hits, (trials * 5) / 20);
      assert.ok(chi2 < CHI2_P001_DF19, `χ² = ${chi2.toFixed(1)}; hits ${hits.join(' ')}`);
    });
  }
});
