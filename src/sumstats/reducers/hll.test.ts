import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createReducer, decodeReducer } from './create-reducer.js';
import { estimateCardinality } from './hll-estimate.js';
import { HllSketch } from './hll-sketch.js';
import type { Reducer } from './spec.js';
import { MERGE_MODES, partition, reduceMerged } from './test-support.js';

type HllResult = { estimate: number; stdError: number };

/** Feed `count` distinct strings (prefixed, so runs do not share values) split at `cuts`. */
function feedParts(count: number, parts: number, prefix: string, precision: number): Reducer[] {
  const rs = Array.from({ length: parts }, () => createReducer({ kind: 'hll_unique', precision }));
  for (let i = 0; i < count; i++) rs[(i * 7919) % parts]!.add({ str: `${prefix}:${i}` });
  return rs;
}

describe('hll_unique', () => {
  it('estimates 10^3..10^6 distinct values within 3 standard errors, merged or not', () => {
    // Seeded so the run is reproducible; each check has a ~0.3 % chance to
    // fail by bad luck, so the sizes are fixed rather than drawn anew per run.
    fc.assert(
      fc.property(
        fc.double({ min: 3, max: 6, noNaN: true }).map((e) => Math.round(10 ** e)),
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 0, max: 1e6 }),
        (count, parts, salt) => {
          const rs = feedParts(count, parts, `s${salt}`, 14);
          const whole = createReducer({ kind: 'hll_unique' });
          for (let i = 0; i < count; i++) whole.add({ str: `s${salt}:${i}` });
          const [first, ...rest] = rs.map((r) => decodeReducer(r.encode()));
          for (const r of rest) first!.merge(r);
          const merged = first!.result() as HllResult;
          const single = whole.result() as HllResult;
          // Register-wise max is exact: the merged registers are the whole stream's.
          assert.deepEqual(merged, single);
          assert.ok(
            Math.abs(single.estimate - count) <= 3 * single.stdError * count,
            `${single.estimate} for ${count}`,
          );
        },
      ),
      { seed: 20240611, numRuns: 8 },
    );
  });

  it('is within 3 standard errors at exactly 10^6 and at every precision', () => {
    for (const [precision, count] of [
      [14, 1_000_000],
      [4, 20_000],
      [8, 50_000],
      [11, 3000],
      [16, 200_000],
    ] as const) {
      const rs = feedParts(count, 3, `p${precision}`, precision);
      rs[0]!.merge(rs[1]!);
      rs[0]!.merge(rs[2]!);
      const { estimate, stdError } = rs[0]!.result() as HllResult;
      assert.ok(
        Math.abs(estimate - count) <= 3 * stdError * count,
        `p=${precision}: ${estimate} for ${count}`,
      );
    }
  });

  it('counts small cardinalities exactly enough and repeats once', () => {
    const r = createReducer({ kind: 'hll_unique' });
    for (let rep = 0; rep < 5; rep++) for (let i = 0; i < 100; i++) r.add({ str: `k${i}` });
    assert.equal((r.result() as HllResult).estimate, 100);
    assert.deepEqual(createReducer({ kind: 'hll_unique' }).result(), {
      estimate: 0,
      stdError: 1.04 / 128,
    });
  });

  it('merges by register max: partitions (in any merge shape) equal the whole stream', () => {
    const stream = Array.from({ length: 20_000 }, (_, i) => ({ str: `x${i % 9000}` }));
    const whole = createReducer({ kind: 'hll_unique', precision: 12 });
    for (const o of stream) whole.add(o);
    for (const mode of MERGE_MODES) {
      const merged = reduceMerged(
        { kind: 'hll_unique', precision: 12 },
        partition(stream, [10, 500, 4000, 19_000]),
        mode,
      );
      assert.deepEqual(merged.result(), whole.result(), mode);
    }
  });

  it('stays sparse and small for small keys, dense and ≤ 12 KiB for large ones', () => {
    const small = createReducer({ kind: 'hll_unique' });
    for (let i = 0; i < 10; i++) small.add({ str: `a${i}` });
    assert.ok(small.bytes() < 256, `${small.bytes()} bytes for 10 values`);
    assert.ok(small.encode().length < 64);
    const big = createReducer({ kind: 'hll_unique' });
    for (let i = 0; i < 100_000; i++) big.add({ str: `b${i}` });
    assert.ok(big.bytes() <= 12 * 1024 + 128, `${big.bytes()} bytes`);
    assert.ok(big.encode().length <= 12 * 1024 + 16, `${big.encode().length} encoded bytes`);
    assert.deepEqual(decodeReducer(big.encode()).result(), big.result());
  });

  it('sparse and dense forms hold the same registers', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.array(fc.tuple(u32, u32), { maxLength: 3000 }), (hashes) => {
        const sparse = new HllSketch(14);
        for (const [hi, lo] of hashes) sparse.addHash(hi, lo);
        const dense = new HllSketch(14);
        for (let i = 0; i < 5000; i++) dense.addHash(Math.imul(i, 2654435761) >>> 0, i);
        assert.equal(dense.isSparse(), false);
        const ref = new HllSketch(14);
        for (let i = 0; i < 5000; i++) ref.addHash(Math.imul(i, 2654435761) >>> 0, i);
        for (const [hi, lo] of hashes) ref.addHash(hi, lo);
        const a = new HllSketch(14);
        a.mergeFrom(dense);
        a.mergeFrom(sparse);
        const b = new HllSketch(14);
        b.mergeFrom(sparse);
        b.mergeFrom(dense);
        assert.deepEqual(a.histogram(), ref.histogram());
        assert.deepEqual(b.histogram(), ref.histogram());
      }),
      { numRuns: 30 },
    );
  });
});

describe('Ertl estimator', () => {
  it('is 0 for empty registers and m·ln(m/zeros)-like for few filled registers', () => {
    const m = 1024;
    const hist = new Float64Array(64 - 10 + 2);
    hist[0] = m;
    assert.equal(estimateCardinality(hist, m, 54), 0);
    hist[0] = m - 1;
    hist[1] = 1;
    const one = estimateCardinality(hist, m, 54);
    assert.ok(Math.abs(one - 1) < 0.01, `${one}`);
  });
});
