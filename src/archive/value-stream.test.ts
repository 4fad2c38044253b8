import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkCursor } from './chunk-cursor.js';
import { TimestampStreamEncoder } from './timestamp-stream.js';
import { prng, sameValue, seriesArb } from './test-support.js';
import { ValueStreamDecoder } from './value-decoder.js';
import { ValueLanes } from './value-lanes.js';
import { ValueStreamEncoder } from './value-stream.js';

function encode(values: readonly number[]): Uint8Array {
  const enc = new ValueStreamEncoder();
  for (const v of values) enc.append(v);
  assert.equal(enc.count, values.length);
  return enc.seal();
}

function decodeAll(bytes: Uint8Array, count: number): number[] {
  const out = new Float64Array(count);
  new ValueStreamDecoder().reset(bytes, count).decode(out, 0, count);
  return [...out];
}

function assertSame(got: readonly number[], want: readonly number[]): void {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    assert.ok(sameValue(got[i]!, want[i]!), `value ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

/** Bits per value of a 600-value series. */
function bitsPerValue(values: readonly number[]): number {
  return (encode(values).length * 8) / values.length;
}

describe('value stream', () => {
  it('round-trips every double exactly (NaN as NaN, -0 as -0), in bulk and one by one', () => {
    fc.assert(
      fc.property(seriesArb, (values) => {
        const bytes = encode(values);
        assertSame(decodeAll(bytes, values.length), values);
        const d = new ValueStreamDecoder().reset(bytes, values.length);
        for (const v of values) assert.ok(sameValue(d.next(), v));
        assert.equal(d.remaining, 0);
      }),
      { numRuns: 300 },
    );
  });

  it('seals into chunks that each decode on their own, whatever the seal points', () => {
    fc.assert(
      fc.property(seriesArb, fc.array(fc.nat({ max: 60 }), { maxLength: 6 }), (values, cuts) => {
        const enc = new ValueStreamEncoder();
        const chunks: [Uint8Array, number][] = [];
        let from = 0;
        for (const cut of [...cuts, values.length]) {
          const to = Math.min(values.length, from + cut);
          for (let i = from; i < to; i++) enc.append(values[i]!);
          if (enc.count > 0) chunks.push([enc.seal(), to - from]);
          from = to;
        }
        for (let i = from; i < values.length; i++) enc.append(values[i]!);
        if (enc.count > 0) chunks.push([enc.seal(), values.length - from]);
        const got = chunks.flatMap(([bytes, n]) => decodeAll(bytes, n));
        assertSame(got, values);
      }),
      { numRuns: 200 },
    );
  });

  it('codes many lanes in one buffer exactly as separate streams, across growth and resets', () => {
    fc.assert(
      fc.property(fc.array(seriesArb, { minLength: 1, maxLength: 5 }), (series) => {
        const n = series.length;
        const len = Math.max(...series.map((s) => s.length));
        const lanes = new ValueLanes(n, 16, 8); // tiny regions: growth on most rows
        const single = series.map(() => new ValueStreamEncoder(8));
        const row = new Float64Array(n);
        for (let j = 0; j < len; j++) {
          for (let i = 0; i < n; i++) row[i] = series[i]![j] ?? j;
          lanes.appendRow(row);
          single.forEach((enc, i) => enc.append(row[i]!));
          if (j % 16 === 15 || j === len - 1) {
            for (let i = 0; i < n; i++) {
              const out = new Uint8Array(lanes.laneBytes(i));
              lanes.copyLane(i, out, 0);
              assert.deepEqual(out, single[i]!.seal());
            }
            lanes.reset();
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('costs about one bit per value for constants and regular counters', () => {
    assert.ok(bitsPerValue(Array<number>(600).fill(42.5)) < 1.2);
    assert.ok(bitsPerValue(Array<number>(600).fill(NaN)) < 1.2);
    assert.ok(bitsPerValue(Array.from({ length: 600 }, (_, i) => 1e15 + 100 * i)) < 1.3);
  });

  it('codes 2-decimal gauges as scaled integers, not IEEE bits', () => {
    const rand = prng(7);
    let g = 59533;
    const gauge = Array.from({ length: 600 }, () => (g += Math.floor(rand() * 201) - 100) / 100);
    // Steps of ±1.00 carry ~7.6 bits of entropy; XOR of the doubles would take ~40.
    assert.ok(bitsPerValue(gauge) < 9.5, `gauge: ${bitsPerValue(gauge)} bits per value`);
    const load = Array.from({ length: 600 }, (_, i) => [1.62, 1.58, 1.7, 1.62][i % 4]!);
    assert.ok(bitsPerValue(load) < 8, `loadavg: ${bitsPerValue(load)} bits per value`);
  });

  it('recovers its Rice parameter within a few values after a spike', () => {
    const rand = prng(3);
    let g = 10000;
    const walk = Array.from({ length: 600 }, () => (g += Math.floor(rand() * 21) - 10) / 100);
    const spiked = walk.map((v, i) => (i === 300 ? 1e9 : v));
    // A spike costs two escapes and a short recovery, not hundreds of wide codes.
    assert.ok(encode(spiked).length - encode(walk).length < 40);
  });

  it('starts the next chunk at a lower decimal scale once the finer digits are gone', () => {
    const enc = new ValueStreamEncoder();
    for (let i = 0; i < 100; i++) enc.append(i === 0 ? 0.001 : 5);
    enc.seal();
    const ramp = Array.from({ length: 100 }, (_, i) => 5 + 3 * i);
    for (const v of ramp) enc.append(v);
    const atScale3 = enc.seal(); // inherits scale 3: every value ends in 000
    for (const v of ramp) enc.append(v);
    const atScale0 = enc.seal();
    assertSame(decodeAll(atScale0, 100), ramp);
    assertSame(decodeAll(atScale3, 100), ramp);
    assert.ok(atScale0.length < atScale3.length, `${atScale0.length} vs ${atScale3.length}`);
  });

  it('pairs timestamps and values through ChunkCursor, across its decoding batches', () => {
    const n = 150;
    const ts = new TimestampStreamEncoder();
    const vs = new ValueStreamEncoder();
    for (let i = 0; i < n; i++) {
      ts.append(1_700_000_000_000 + 1000 * i);
      vs.append(i / 4);
    }
    const c = new ChunkCursor().reset(ts.seal(), vs.seal(), n);
    const got: [number, number][] = [];
    while (c.next()) got.push([c.timestampMs, c.value]);
    assert.equal(c.next(), false);
    assert.deepEqual(
      got,
      Array.from({ length: n }, (_, i) => [1_700_000_000_000 + 1000 * i, i / 4]),
    );
  });
});
