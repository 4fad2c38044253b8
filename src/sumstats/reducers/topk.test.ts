import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { TopkEntry } from './space-saving.js';
import type { Observation } from './spec.js';
import { MERGE_MODES, cutsArb, partition, reduce, reduceMerged } from './test-support.js';

// Skewed streams: a few heavy keys among many light ones, so the counters
// are full and evictions happen.
const keyArb = fc.oneof(
  { arbitrary: fc.constantFrom('h1', 'h2', 'h3', 'h4'), weight: 4 },
  { arbitrary: fc.integer({ min: 0, max: 10 }).map((i) => `m${i}`), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 300 }).map((i) => `l${i}`), weight: 5 },
);
const streamArb = fc.array(
  keyArb.map((str): Observation => ({ str })),
  { maxLength: 600 },
);

function frequencies(stream: readonly Observation[]): Map<string, number> {
  const f = new Map<string, number>();
  for (const o of stream) f.set(o.str!, (f.get(o.str!) ?? 0) + 1);
  return f;
}

/** The Space-Saving guarantees, for k reported entries out of `counters` counters. */
function assertGuarantees(
  result: TopkEntry[],
  stream: readonly Observation[],
  k: number,
  counters: number,
): void {
  const f = frequencies(stream);
  const n = stream.length;
  assert.ok(result.length <= k);
  for (let i = 1; i < result.length; i++)
    assert.ok(result[i - 1]!.count >= result[i]!.count, 'sorted');
  for (const e of result) {
    const truth = f.get(e.key) ?? 0;
    assert.ok(e.count >= truth, `${e.key}: count ${e.count} below true ${truth}`);
    assert.ok(
      e.count - e.error <= truth,
      `${e.key}: lower bound ${e.count - e.error} above ${truth}`,
    );
    assert.ok(e.count - truth <= n / counters, `${e.key}: error ${e.count - truth} > N/counters`);
    assert.ok(Math.abs(e.count - truth) <= n / k);
  }
  for (const [key, truth] of f) {
    if (truth > n / k)
      assert.ok(
        result.some((e) => e.key === key),
        `heavy hitter ${key} (${truth}/${n}) missing`,
      );
  }
}

describe('topk (Space-Saving, mergeable per Agarwal et al.)', () => {
  for (const [k, counters] of [
    [3, 6],
    [4, 4],
    [5, 12],
  ] as const) {
    it(`k=${k}, counters=${counters}: heavy hitters present and counts within N/k after merges`, () => {
      const spec = { kind: 'topk' as const, n: k, counters };
      fc.assert(
        fc.property(streamArb, cutsArb, (stream, cuts) => {
          assertGuarantees(reduce(spec, stream).result() as TopkEntry[], stream, k, counters);
          for (const mode of MERGE_MODES) {
            const merged = reduceMerged(spec, partition(stream, cuts), mode);
            assertGuarantees(merged.result() as TopkEntry[], stream, k, counters);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('keeps the N/counters bound through deep merge trees of small partitions', () => {
    // Many small partitions, each filling its counters with keys the others
    // rarely share, make every merge level drop keys: a merge that let the
    // error grow per level would exceed N/counters here.
    const spec = { kind: 'topk' as const, n: 2, counters: 4 };
    const part = fc.array(
      fc.integer({ min: 0, max: 12 }).map((i): Observation => ({ str: `k${i}` })),
      {
        minLength: 1,
        maxLength: 12,
      },
    );
    fc.assert(
      fc.property(fc.array(part, { minLength: 16, maxLength: 64 }), (parts) => {
        const merged = reduceMerged(spec, parts, 'tree');
        assertGuarantees(merged.result() as TopkEntry[], parts.flat(), 2, 4);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its guarantees when adding after a merge', () => {
    const spec = { kind: 'topk' as const, n: 3, counters: 6 };
    fc.assert(
      fc.property(streamArb, streamArb, streamArb, (a, b, c) => {
        const r = reduce(spec, a);
        r.merge(reduce(spec, b));
        for (const o of c) r.add(o);
        assertGuarantees(r.result() as TopkEntry[], [...a, ...b, ...c], 3, 6);
      }),
      { numRuns: 300 },
    );
  });

  it('is exact while the distinct keys fit the counters', () => {
    const stream = ['a', 'b', 'a', 'c', 'a', 'b'].map((str) => ({ str }));
    const spec = { kind: 'topk' as const, n: 2 };
    const want = [
      { key: 'a', count: 3, error: 0 },
      { key: 'b', count: 2, error: 0 },
    ];
    assert.deepEqual(reduce(spec, stream).result(), want);
    assert.deepEqual(reduceMerged(spec, partition(stream, [2, 4]), 'codec').result(), want);
  });
});
