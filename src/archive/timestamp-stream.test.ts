import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import { prng } from './test-support.js';
import { TimestampStreamDecoder, TimestampStreamEncoder } from './timestamp-stream.js';

function roundTrip(ts: readonly number[]): Uint8Array {
  const enc = new TimestampStreamEncoder(8);
  for (const t of ts) enc.append(t);
  assert.equal(enc.count, ts.length);
  const bytes = enc.seal();
  const out = new Float64Array(ts.length);
  new TimestampStreamDecoder().reset(bytes, ts.length).decode(out, 0, ts.length);
  assert.deepEqual([...out], ts);
  return bytes;
}

const START = 1_700_000_000_000;

describe('timestamp stream', () => {
  it('round-trips any safe integers, including jumps that force a re-anchor', () => {
    const tsArb = fc.oneof(
      fc.array(fc.maxSafeInteger(), { maxLength: 50 }),
      fc
        .tuple(fc.maxSafeInteger(), fc.array(fc.integer({ min: -5, max: 2000 }), { maxLength: 80 }))
        .map(([t0, steps]) => {
          let t = t0;
          return steps.map(
            (d) =>
              (t = Math.max(Math.min(t + d, Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER)),
          );
        }),
    );
    fc.assert(
      fc.property(tsArb, (ts) => void roundTrip(ts)),
      { numRuns: 300 },
    );
  });

  it('costs about one bit per sample on a regular grid, a few with jitter', () => {
    const grid = Array.from({ length: 600 }, (_, i) => START + 1000 * i);
    assert.ok(roundTrip(grid).length * 8 < 600 * 1.3);
    const rand = prng(5);
    const jitter = grid.map((t) => t + Math.floor(rand() * 4));
    assert.ok(roundTrip(jitter).length * 8 < 600 * 5);
  });

  it('carries the learnt interval into the next stream', () => {
    const enc = new TimestampStreamEncoder();
    for (let i = 0; i < 100; i++) enc.append(START + 1000 * i);
    enc.seal();
    for (let i = 100; i < 200; i++) enc.append(START + 1000 * i);
    const bytes = enc.seal();
    // Header (~70 bits) plus one bit per sample: no escape for the first delta.
    assert.ok(bytes.length * 8 < 70 + 100 + 8, `${bytes.length} bytes`);
    const out = new Float64Array(100);
    new TimestampStreamDecoder().reset(bytes, 100).decode(out, 0, 100);
    assert.equal(out[99], START + 199_000);
  });

  it('refuses timestamps that are not safe integers, before changing anything', () => {
    const enc = new TimestampStreamEncoder();
    enc.append(START);
    for (const bad of [1.5, NaN, Infinity, 2 ** 53]) {
      assert.throws(
        () => enc.append(bad),
        (e: unknown) => e instanceof ArchiveError && e.code === ARCHIVE_ERROR_CODES.invalidArgument,
      );
    }
    enc.append(START + 1000);
    assert.equal(enc.count, 2);
    const out = new Float64Array(2);
    new TimestampStreamDecoder().reset(enc.seal(), 2).decode(out, 0, 2);
    assert.deepEqual([...out], [START, START + 1000]);
  });

  it('refuses to decode more timestamps than asked for', () => {
    const enc = new TimestampStreamEncoder();
    enc.append(START);
    const d = new TimestampStreamDecoder().reset(enc.seal(), 1);
    assert.equal(d.next(), START);
    assert.throws(() => d.next(), ArchiveError);
  });
});
