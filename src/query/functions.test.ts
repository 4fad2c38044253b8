import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RANGE_FUNCTIONS } from './ast.js';
import { evaluate } from './evaluate.js';
import {
  MemorySource,
  assertPointsClose,
  byName,
  referenceWindow,
  regular,
} from './test-support.js';

const C = 'Lab::h:net:rx_bytes';
/** A counter sampled every second, restarting at 4 s (30 → 5) and at 7 s (25 → 0). */
const COUNTER: [number, number][] = [0, 10, 20, 30, 5, 15, 25, 0, 10, 20, 30].map((v, i) => [
  i * 1000,
  v,
]);

function counterSource(): MemorySource {
  return new MemorySource().add(C, COUNTER, { semantics: 'counter', unit: 'B' });
}

function points(
  query: string,
  src: MemorySource,
  options: Parameters<typeof evaluate>[2],
): [number, number][] {
  return evaluate(query, src, options)[0]?.points ?? [];
}

void describe('counters: rate, increase, irate, delta', () => {
  void it('treats a drop as a restart from 0 in increase and rate', () => {
    const range = { fromMs: 10_000, toMs: 10_000 };
    // Deltas 10 10 10 | 5 (restart) 10 10 | 0 (restart) 10 10 10.
    assert.deepEqual(points(`increase(${C}[10s])`, counterSource(), range), [[10_000, 85]]);
    assert.deepEqual(points(`rate(${C}[10s])`, counterSource(), range), [[10_000, 8.5]]);
    assert.deepEqual(points(`delta(${C}[10s])`, counterSource(), range), [[10_000, 30]]);
    assert.deepEqual(points(`irate(${C}[10s])`, counterSource(), range), [[10_000, 10]]);
  });

  void it('uses the step as the window; increases of adjacent steps add up exactly', () => {
    const range = { fromMs: 0, toMs: 10_000, stepMs: 5000 };
    assert.deepEqual(points(`rate(${C})`, counterSource(), range), [
      [5000, 9],
      [10_000, 8],
    ]);
    const inc = points(`increase(${C})`, counterSource(), range);
    assert.deepEqual(inc, [
      [5000, 45],
      [10_000, 40],
    ]);
    assert.equal(
      inc.reduce((a, [, v]) => a + v, 0),
      85,
    );
  });

  void it('turns a plain counter selector into per-second rates over each step', () => {
    const out = evaluate(C, counterSource(), { fromMs: 0, toMs: 10_000, stepMs: 5000 });
    assert.equal(out[0]?.unit, 'B/s');
    assert.deepEqual(out[0]?.points, [
      [5000, 9],
      [10_000, 8],
    ]);
    // Without a step the raw counter values come back.
    const raw = evaluate(C, counterSource(), { fromMs: 0, toMs: 2000 });
    assert.equal(raw[0]?.unit, 'B');
    assert.deepEqual(raw[0]?.points, COUNTER.slice(0, 3));
  });

  void it('gives a window holding one sample the delta from the sample before it', () => {
    // Step 1 s over 1 s samples: each window holds exactly one sample.
    const got = points(`rate(${C})`, counterSource(), { fromMs: 3000, toMs: 5000, stepMs: 1000 });
    assert.deepEqual(got, [
      [3000, 10],
      [4000, 5],
      [5000, 10],
    ]);
  });

  void it('allows rate of a gauge: the signed per-second change, no restart logic', () => {
    const src = new MemorySource()
      .add(
        'Lab::g:mem:used',
        [
          [0, 0],
          [1000, 10],
          [2000, 5],
        ],
        { unit: 'B' },
      )
      .add(
        'Lab::c:mem:used',
        [
          [0, 0],
          [1000, 10],
          [2000, 5],
        ],
        { unit: 'B', semantics: 'counter' },
      );
    const out = evaluate('rate(Lab::*:mem:used[2s])', src, { fromMs: 2000, toMs: 2000 });
    assert.deepEqual(byName(out, 'Lab::g:mem:used').points, [[2000, 2.5]]);
    assert.deepEqual(byName(out, 'Lab::c:mem:used').points, [[2000, 7.5]]);
    assert.equal(out[0]?.unit, 'B/s');
  });

  void it('does not count a delta across a gap longer than both maxGapMs and the window', () => {
    const src = new MemorySource().add(
      C,
      [
        [0, 0],
        [1000, 10],
        [600_000, 20],
        [601_000, 30],
      ],
      {
        semantics: 'counter',
      },
    );
    // Per-second rates: the 599 s gap is a data gap (host down), not a slow second.
    const range = { fromMs: 599_000, toMs: 601_000, stepMs: 1000 };
    assert.deepEqual(points(`rate(${C})`, src, range), [[601_000, 10]]);
    // With a larger gap limit the delta over the gap counts, at its average rate.
    assertPointsClose(points(`rate(${C})`, src, { ...range, maxGapMs: 700_000 }), [
      [600_000, 10_000 / 599_000],
      [601_000, 10],
    ]);
    // A window longer than the gap takes it in: the gap limit is max(maxGapMs, window).
    assert.deepEqual(points(`increase(${C}[1h])`, src, { fromMs: 601_000, toMs: 601_000 }), [
      [601_000, 30],
    ]);
  });

  void it('gives no point where a window has no delta, and no series for an empty range', () => {
    assert.deepEqual(
      points(`rate(${C})`, counterSource(), { fromMs: 0, toMs: 0, stepMs: 1000 }),
      [],
    );
    assert.deepEqual(evaluate(`rate(${C})`, counterSource(), { fromMs: 50_000, toMs: 90_000 }), []);
  });
});

void describe('functions over time', () => {
  const G = 'Lab::h:load:one';
  const gauge = (): MemorySource =>
    new MemorySource().add(
      G,
      [3, 1, 4, 1, 5].map((v, i): [number, number] => [i * 1000, v]),
      { unit: 'load' },
    );

  void it('evaluates at each raw sample time without a step, over (t - window, t]', () => {
    const got = points(`avg_over_time(${G}[3s])`, gauge(), { fromMs: 0, toMs: 4000 });
    assertPointsClose(got, [
      [0, 3],
      [1000, 2],
      [2000, 8 / 3],
      [3000, 2],
      [4000, 10 / 3],
    ]);
  });

  void it('computes min, max, sum, count and last over the window', () => {
    const at = { fromMs: 4000, toMs: 4000 };
    const one = (fn: string): number => points(`${fn}(${G}[3s])`, gauge(), at)[0]?.[1] ?? NaN;
    assert.deepEqual(
      ['min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time'].map(
        one,
      ),
      [1, 5, 10, 3, 5],
    );
  });

  void it('uses a 60 s window without a step or a range', () => {
    const src = new MemorySource().add(
      G,
      regular(0, 120_000, 10_000, () => 1),
    );
    assert.deepEqual(points(`count_over_time(${G})`, src, { fromMs: 120_000, toMs: 120_000 }), [
      [120_000, 6],
    ]);
  });

  void it('names units: rate per second, count without unit, others as stored', () => {
    const unit = (fn: string): string | undefined =>
      evaluate(`${fn}(${G}[3s])`, gauge(), { fromMs: 0, toMs: 4000 })[0]?.unit;
    assert.deepEqual(
      ['rate', 'irate', 'increase', 'delta', 'avg_over_time', 'count_over_time'].map(unit),
      ['load/s', 'load/s', 'load', 'load', 'load', ''],
    );
  });

  void it('keeps the name and labels of the series', () => {
    const out = evaluate(`max_over_time(${G}[3s])`, gauge(), { fromMs: 0, toMs: 4000 });
    assert.equal(out[0]?.name, G);
    assert.deepEqual(out[0]?.labels, { ou: 'Lab', host: 'h', metric: 'load:one' });
  });

  void it('matches the reference definitions for every function on random series', () => {
    const arb = fc.record({
      gaps: fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 25 }),
      values: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 25, maxLength: 25 }),
      counter: fc.boolean(),
      fn: fc.constantFrom(...RANGE_FUNCTIONS),
      fromMs: fc.integer({ min: -3000, max: 40_000 }),
      spanMs: fc.integer({ min: 0, max: 40_000 }),
      stepMs: fc.option(fc.integer({ min: 50, max: 5000 }), { nil: undefined }),
      rangeMs: fc.option(
        fc.integer({ min: 1, max: 9 }).map((s) => s * 1000),
        { nil: undefined },
      ),
      maxGapMs: fc.integer({ min: 500, max: 4000 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        // Gaps of 0 are dropped: a source never holds two samples at one time.
        let t = 0;
        const pts = c.gaps
          .filter((g) => g > 0)
          .map((g, i): [number, number] => [(t += g), c.values[i] ?? 0]);
        const src = new MemorySource().add(C, pts, {
          semantics: c.counter ? 'counter' : 'instant',
        });
        const range = c.rangeMs === undefined ? '' : `[${c.rangeMs / 1000}s]`;
        const toMs = c.fromMs + c.spanMs;
        const got = points(`${c.fn}(${C}${range})`, src, {
          fromMs: c.fromMs,
          toMs,
          stepMs: c.stepMs,
          maxGapMs: c.maxGapMs,
        });
        const windowMs = c.rangeMs ?? c.stepMs ?? 60_000;
        const times: number[] = [];
        if (c.stepMs === undefined)
          times.push(...pts.map(([ts]) => ts).filter((ts) => ts >= c.fromMs && ts <= toMs));
        else
          for (let g = Math.ceil(c.fromMs / c.stepMs) * c.stepMs + 0; g <= toMs; g += c.stepMs)
            times.push(g);
        const expected: [number, number][] = [];
        for (const g of times) {
          const v = referenceWindow(
            c.fn,
            pts,
            g,
            windowMs,
            Math.max(windowMs, c.maxGapMs),
            c.counter,
          );
          if (v !== undefined) expected.push([g, v]);
        }
        assertPointsClose(got, expected, `${c.fn}${range}`);
      }),
      { numRuns: 1500 },
    );
  });
});
