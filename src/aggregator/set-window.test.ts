import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ARCHIVE_ERROR_CODES, ArchiveError } from '../archive/index.js';
import { SetWindow } from './set-window.js';

const T0 = 1_700_000_000_000;

/** Any NaN equals any NaN (payloads are not kept); -0 and +0 differ. */
function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

const valueArb = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 - 1, -(2 ** 53 - 1), 1.62),
  fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 100),
  fc.maxSafeInteger(),
);

/** Per metric a generator of its next value: constant, counter with resets, decimal walk, noise. */
type Shape = (k: number, prev: number) => number;
const shapeArb: fc.Arbitrary<Shape> = fc.oneof(
  valueArb.map(
    (c): Shape =>
      () =>
        c,
  ),
  fc.tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 5, max: 50 })).map(
    ([rate, resetEvery]): Shape =>
      (k, prev) =>
        k % resetEvery === 0 ? 0 : prev + rate + (k % 7),
  ),
  fc.integer({ min: 1, max: 300 }).map((step): Shape => (k, prev) => {
    const s =
      Math.round((Number.isFinite(prev) ? prev : 0) * 100) + ((k * 7919) % (2 * step + 1)) - step;
    return s / 100;
  }),
  fc.array(valueArb, { minLength: 1, maxLength: 7 }).map(
    (vs): Shape =>
      (k) =>
        vs[k % vs.length]!,
  ),
);

interface Scenario {
  metrics: number;
  maxSamples: number;
  blockSamples: number;
  shapes: Shape[];
  steps: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    metrics: fc.integer({ min: 1, max: 5 }),
    maxSamples: fc.integer({ min: 1, max: 40 }),
    blockSamples: fc.integer({ min: 1, max: 16 }),
    steps: fc.array(fc.oneof(fc.constant(1000), fc.integer({ min: 1, max: 5000 })), {
      maxLength: 120,
    }),
  })
  .chain((r) =>
    fc
      .array(shapeArb, { minLength: r.metrics, maxLength: r.metrics })
      .map((shapes) => ({ ...r, shapes })),
  );

/** Play a scenario; `check` runs after every append with the reference of all samples so far. */
function play(
  s: Scenario,
  check: (w: SetWindow, ts: number[], rows: Float64Array[]) => void,
): SetWindow {
  const w = new SetWindow({
    metrics: s.metrics,
    maxSamples: s.maxSamples,
    blockSamples: s.blockSamples,
  });
  const ts: number[] = [];
  const rows: Float64Array[] = [];
  let t = T0;
  s.steps.forEach((step, k) => {
    t += step;
    const prev = rows[rows.length - 1];
    const row = Float64Array.from(s.shapes, (shape, i) => shape(k, prev?.[i] ?? 0));
    w.append(t, row);
    ts.push(t);
    rows.push(row);
    check(w, ts, rows);
  });
  return w;
}

function assertPoints(got: [number, number][], want: [number, number][]): void {
  assert.equal(got.length, want.length, 'number of points');
  got.forEach(([t, v], j) => {
    assert.equal(t, want[j]![0], `timestamp of point ${j}`);
    assert.ok(sameValue(v, want[j]![1]), `point ${j}: got ${v}, want ${want[j]![1]}`);
  });
}

function isInvalid(e: unknown): boolean {
  return e instanceof ArchiveError && e.code === ARCHIVE_ERROR_CODES.invalidArgument;
}

describe('SetWindow', () => {
  it('holds exactly the newest samples, between maxSamples and maxSamples + B - 1', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        play(s, (w, ts, rows) => {
          const total = ts.length;
          assert.ok(w.size <= total);
          if (total >= s.maxSamples) {
            assert.ok(w.size >= s.maxSamples, `size ${w.size} < maxSamples ${s.maxSamples}`);
            assert.ok(w.size <= s.maxSamples + s.blockSamples - 1, `size ${w.size} too large`);
          } else assert.equal(w.size, total);
          assert.equal(w.latestTimestamp(), ts[total - 1]);
          for (let i = 0; i < s.metrics; i++) {
            const p = w.latest(i);
            assert.ok(p);
            assert.equal(p.timestampMs, ts[total - 1]);
            assert.ok(sameValue(p.value, rows[total - 1]![i]!));
          }
          const i = total % s.metrics;
          const want = ts
            .slice(total - w.size)
            .map((t, j): [number, number] => [t, rows[total - w.size + j]![i]!]);
          assertPoints(w.range(i, -Infinity, Infinity), want);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('range keeps from and to inclusive, and is empty before, after, or when from > to', () => {
    fc.assert(
      fc.property(
        scenarioArb.filter((s) => s.steps.length > 0),
        fc.integer({ min: -3, max: 130 }),
        fc.integer({ min: -3, max: 130 }),
        fc.integer({ min: -1, max: 1 }),
        (s, a, b, nudge) => {
          const w = play(s, () => undefined);
          const held: number[] = [];
          let t = T0;
          for (const step of s.steps) held.push((t += step));
          const kept = held.slice(held.length - w.size);
          const at = (k: number): number =>
            (held[Math.max(0, Math.min(held.length - 1, k))] ?? T0) + nudge;
          const from = at(a);
          const to = at(b);
          for (let i = 0; i < s.metrics; i++) {
            const all = w.range(i, -Infinity, Infinity);
            const want = all.filter(([tt]) => tt >= from && tt <= to);
            assertPoints(w.range(i, from, to), want);
            assert.equal(want.length, kept.filter((tt) => tt >= from && tt <= to).length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('answers ranges outside the window with nothing', () => {
    const w = new SetWindow({ metrics: 2, maxSamples: 10, blockSamples: 4 });
    assert.equal(w.latest(0), undefined);
    assert.equal(w.latestTimestamp(), -Infinity);
    assert.deepEqual(w.range(0, -Infinity, Infinity), []);
    for (let k = 0; k < 30; k++) w.append(T0 + 1000 * k, Float64Array.of(k, -k));
    const first = T0 + 1000 * (30 - w.size);
    assert.deepEqual(w.range(1, T0, first - 1), []);
    assert.deepEqual(w.range(1, T0 + 30_000, T0 + 99_000), []);
    assert.deepEqual(w.range(1, T0 + 29_000, T0 + 1000), []);
    assert.deepEqual(w.range(1, NaN, Infinity), []);
    assert.deepEqual(w.range(1, first, first), [[first, -(30 - w.size)]]);
    assert.deepEqual(w.range(0, T0 + 29_000, Infinity), [[T0 + 29_000, 29]]);
  });

  it('reuses the pairs of an `out` array and truncates it', () => {
    const w = new SetWindow({ metrics: 1, maxSamples: 5, blockSamples: 2 });
    for (let k = 0; k < 5; k++) w.append(T0 + k, Float64Array.of(k * 1.5));
    const out: [number, number][] = Array.from({ length: 9 }, () => [NaN, NaN]);
    const first = out[0];
    const got = w.range(0, T0 + 1, T0 + 3, out);
    assert.equal(got, out);
    assert.equal(got[0], first);
    assert.deepEqual(got, [
      [T0 + 1, 1.5],
      [T0 + 2, 3],
      [T0 + 3, 4.5],
    ]);
  });

  it('stores blocks over 64 KiB with 32-bit offsets', () => {
    const metrics = 300;
    const w = new SetWindow({ metrics, maxSamples: 40, blockSamples: 30 });
    const rows: Float64Array[] = [];
    let x = 1;
    for (let k = 0; k < 70; k++) {
      // Noise doubles cost ~8 bytes each: 300 × 30 of them make a ~70 KB block.
      const row = Float64Array.from({ length: metrics }, () => (x = (x * 16807) % 2147483647) / 7);
      rows.push(row);
      w.append(T0 + 1000 * k, row);
    }
    assert.ok(w.bytes() > 65536 * 1.5);
    for (const i of [0, 1, 150, metrics - 1]) {
      const got = w.range(i, -Infinity, Infinity);
      assert.equal(got.length, w.size);
      got.forEach(([t, v]) => assert.equal(v, rows[(t - T0) / 1000]![i]));
    }
  });

  it('holds compressible data in a fraction of the uncompressed layout', () => {
    const metrics = 100;
    const w = new SetWindow({ metrics, maxSamples: 600 });
    const row = new Float64Array(metrics);
    for (let k = 0; k < 700; k++) {
      for (let i = 0; i < metrics; i++)
        row[i] = i < 50 ? 1000 * k + i : (59533 + ((k * i) % 7)) / 100;
      w.append(T0 + 1000 * k, row);
    }
    const uncompressed = w.size * (metrics * 8 + 8);
    assert.ok(w.bytes() < uncompressed / 10, `${w.bytes()} bytes vs ${uncompressed}`);
  });

  it('refuses bad input with CANOPY_ERR_INVALID_ARGUMENT and stays usable', () => {
    const w = new SetWindow({ metrics: 2, maxSamples: 10 });
    w.append(T0, Float64Array.of(1, 2));
    assert.throws(() => w.append(T0, Float64Array.of(1, 2)), isInvalid);
    assert.throws(() => w.append(T0 - 1, Float64Array.of(1, 2)), isInvalid);
    assert.throws(() => w.append(T0 + 0.5, Float64Array.of(1, 2)), isInvalid);
    assert.throws(() => w.append(T0 + 1, Float64Array.of(1)), isInvalid);
    assert.throws(() => w.latest(2), isInvalid);
    assert.throws(() => w.range(-1, 0, 1), isInvalid);
    assert.throws(() => new SetWindow({ metrics: 2, maxSamples: 0 }), isInvalid);
    assert.throws(() => new SetWindow({ metrics: 2, maxSamples: 5, blockSamples: 0 }), isInvalid);
    w.append(T0 + 1, Float64Array.of(3, 4));
    assert.deepEqual(w.range(1, -Infinity, Infinity), [
      [T0, 2],
      [T0 + 1, 4],
    ]);
  });
});
