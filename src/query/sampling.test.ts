import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluate } from './evaluate.js';
import type { Interpolation } from './types.js';
import { MemorySource, assertPointsClose, referenceSample } from './test-support.js';

const NAME = 'Lab::h:load:one';

function run(
  points: [number, number][],
  range: { fromMs: number; toMs: number; stepMs?: number },
  interpolation: Interpolation,
  semantics: 'instant' | 'discrete' = 'instant',
  maxGapMs?: number,
): [number, number][] {
  const src = new MemorySource().add(NAME, points, { semantics, unit: 'load' });
  const out = evaluate(NAME, src, { ...range, interpolation, maxGapMs });
  return out[0]?.points ?? [];
}

const PTS: [number, number][] = [
  [1000, 10],
  [2000, 20],
  [4000, 40],
];

void describe('plain selector without a step', () => {
  void it('returns the raw points within [fromMs, toMs], both ends included', () => {
    assert.deepEqual(run(PTS, { fromMs: 1000, toMs: 2000 }, 'linear'), [
      [1000, 10],
      [2000, 20],
    ]);
  });

  void it('returns no series for an empty range', () => {
    const src = new MemorySource().add(NAME, PTS);
    assert.deepEqual(evaluate(NAME, src, { fromMs: 6000, toMs: 9000 }), []);
    assert.deepEqual(evaluate(NAME, src, { fromMs: 6000, toMs: 9000, stepMs: 1000 }), []);
  });
});

void describe('sampling on the step grid', () => {
  void it('nearest: the closest sample within one step, the earlier one on a tie', () => {
    assert.deepEqual(run(PTS, { fromMs: 0, toMs: 5000, stepMs: 1000 }, 'nearest'), [
      [0, 10],
      [1000, 10],
      [2000, 20],
      [3000, 20],
      [4000, 40],
      [5000, 40],
    ]);
    assert.deepEqual(run(PTS, { fromMs: 0, toMs: 5000, stepMs: 500 }, 'nearest'), [
      [500, 10],
      [1000, 10],
      [1500, 10],
      [2000, 20],
      [2500, 20],
      [3500, 40],
      [4000, 40],
      [4500, 40],
    ]);
  });

  void it('linear: the sample on a grid time, a straight line between, nothing outside', () => {
    assert.deepEqual(run(PTS, { fromMs: 0, toMs: 5000, stepMs: 500 }, 'linear'), [
      [1000, 10],
      [1500, 15],
      [2000, 20],
      [2500, 25],
      [3000, 30],
      [3500, 35],
      [4000, 40],
    ]);
  });

  void it('linear: no line across a gap longer than maxGapMs', () => {
    assert.deepEqual(run(PTS, { fromMs: 0, toMs: 5000, stepMs: 500 }, 'linear', 'instant', 1500), [
      [1000, 10],
      [1500, 15],
      [2000, 20],
      [4000, 40],
    ]);
  });

  void it('linear on a discrete series holds the previous value instead of averaging states', () => {
    assert.deepEqual(run(PTS, { fromMs: 0, toMs: 5000, stepMs: 1000 }, 'linear', 'discrete'), [
      [1000, 10],
      [2000, 20],
      [3000, 20],
      [4000, 40],
      [5000, 40],
    ]);
  });

  void it('none: the last sample of each step (t - step, t], as stored', () => {
    assert.deepEqual(run(PTS, { fromMs: 0, toMs: 5000, stepMs: 1000 }, 'none'), [
      [1000, 10],
      [2000, 20],
      [4000, 40],
    ]);
  });

  void it('puts the grid on multiples of the step even when samples are not aligned', () => {
    const offset: [number, number][] = [
      [1300, 13],
      [2300, 23],
      [3300, 33],
    ];
    const range = { fromMs: 1001, toMs: 4000, stepMs: 1000 };
    assert.deepEqual(run(offset, range, 'nearest'), [
      [2000, 23],
      [3000, 33],
      [4000, 33],
    ]);
    assertPointsClose(run(offset, range, 'linear'), [
      [2000, 20],
      [3000, 30],
    ]);
    assert.deepEqual(run(offset, range, 'none'), [
      [2000, 13],
      [3000, 23],
      [4000, 33],
    ]);
  });

  void it('reads only around the grid (one step, or maxGapMs for linear)', () => {
    const src = new MemorySource().add(NAME, PTS);
    evaluate(NAME, src, { fromMs: 10_000, toMs: 20_000, stepMs: 1000 });
    evaluate(NAME, src, {
      fromMs: 10_000,
      toMs: 20_000,
      stepMs: 1000,
      interpolation: 'linear',
      maxGapMs: 5000,
    });
    assert.deepEqual(src.series[0]?.reads, [
      [9000, 21_000],
      [5000, 25_000],
    ]);
  });

  void it('matches the reference definitions on random series and grids', () => {
    const arb = fc.record({
      gaps: fc.array(fc.integer({ min: 1, max: 4000 }), { maxLength: 30 }),
      values: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 30, maxLength: 30 }),
      fromMs: fc.integer({ min: -2000, max: 30_000 }),
      spanMs: fc.integer({ min: 0, max: 60_000 }),
      stepMs: fc.integer({ min: 10, max: 5000 }),
      maxGapMs: fc.integer({ min: 1, max: 6000 }),
      mode: fc.constantFrom('nearest', 'linear', 'none' as const),
      discrete: fc.boolean(),
    });
    fc.assert(
      fc.property(arb, (c) => {
        let t = 0;
        const points = c.gaps.map((g, i): [number, number] => [(t += g), c.values[i] ?? 0]);
        const range = { fromMs: c.fromMs, toMs: c.fromMs + c.spanMs, stepMs: c.stepMs };
        const semantics = c.discrete ? 'discrete' : 'instant';
        const got = run(points, range, c.mode, semantics, c.maxGapMs);
        const refMode = c.mode === 'linear' && c.discrete ? 'hold' : c.mode;
        const expected: [number, number][] = [];
        for (
          let g = Math.ceil(c.fromMs / c.stepMs) * c.stepMs + 0;
          g <= range.toMs;
          g += c.stepMs
        ) {
          const v = referenceSample(refMode, points, g, c.stepMs, c.maxGapMs);
          if (v !== undefined) expected.push([g, v]);
        }
        assertPointsClose(got, expected);
      }),
      { numRuns: 500 },
    );
  });
});
