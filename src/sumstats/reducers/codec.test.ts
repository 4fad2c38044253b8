/**
 * The binary form: round trips for every kind, and hostile input (random
 * bytes, truncations, bit flips) never raises anything but SumStatsError
 * CANOPY_ERR_SUMSTATS_DECODE.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createReducer, decodeReducer } from './create-reducer.js';
import { SumStatsError } from './errors.js';
import { REDUCER_KINDS } from './spec.js';
import type { Observation, Reducer, ReducerSpec } from './spec.js';
import { observationArb, prng } from './test-support.js';

const SPECS: ReducerSpec[] = [
  ...REDUCER_KINDS.map((kind): ReducerSpec => ({ kind })),
  { kind: 'last', n: 3 },
  { kind: 'sample', n: 4 },
  { kind: 'unique', n: 5 },
  { kind: 'hll_unique', precision: 4 },
  { kind: 'hll_unique', precision: 7 },
  { kind: 'topk', n: 2, counters: 3 },
  { kind: 'quantile', relativeAccuracy: 0.05, quantiles: [0.1, 1] },
];

const streamArb = fc.array(
  observationArb(
    fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -9, max: 9 })),
    fc.string({ maxLength: 5 }),
  ),
  { maxLength: 80 },
);

function filled(spec: ReducerSpec, stream: readonly Observation[]): Reducer {
  const r = createReducer(spec, { random: prng(3) });
  for (const o of stream) r.add(o);
  return r;
}

/** Decode must either succeed (and the reducer then works) or throw the decode error. */
function decodeSafely(bytes: Uint8Array): void {
  let r: Reducer;
  try {
    r = decodeReducer(bytes);
  } catch (err) {
    assert.ok(err instanceof SumStatsError, `not a SumStatsError: ${String(err)}`);
    assert.equal(err.code, 'CANOPY_ERR_SUMSTATS_DECODE');
    return;
  }
  r.result();
  r.bytes();
  r.add({ num: 1, str: 'x' });
  r.merge(decodeReducer(r.encode()));
}

describe('reducer binary form', () => {
  it('round-trips every kind: same result, and the same results after more input', () => {
    for (const spec of SPECS) {
      fc.assert(
        fc.property(streamArb, (stream) => {
          const r = filled(spec, stream);
          const bytes = r.encode();
          assert.deepEqual([...bytes.subarray(0, 4)], [0x43, 0x53, 0x52, 1]);
          const d = decodeReducer(bytes, { random: prng(3) });
          assert.deepEqual(d.spec, r.spec);
          assert.deepEqual(d.result(), r.result(), spec.kind);
          // Encodings are not canonical (an exact sum's partials may split
          // differently), so compare behaviour: more input and a merge give
          // the same results on both.
          const again = decodeReducer(d.encode(), { random: prng(3) });
          assert.deepEqual(again.result(), r.result());
          for (const x of [r, d]) {
            x.add({ num: 0.1, str: 'more' });
            x.merge(decodeReducer(bytes, { random: prng(5) }));
          }
          if (spec.kind === 'sample') {
            // Its draws depend on the random source's position; compare the shape.
            const [a, b] = [d, r].map((x) => x.result() as { samples: unknown[]; seen: number });
            assert.equal(a!.seen, b!.seen);
            assert.equal(a!.samples.length, b!.samples.length);
          } else {
            assert.deepEqual(d.result(), r.result(), `${spec.kind} after more input`);
          }
        }),
        { numRuns: 60 },
      );
    }
  });

  it('rejects random bytes, with or without a valid header', () => {
    const header = fc.constantFrom(
      ...REDUCER_KINDS.map((_, i) => [0x43, 0x53, 0x52, 1, i]),
      [],
      [0x43, 0x53, 0x52, 2, 0],
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, tail) => {
        decodeSafely(Uint8Array.from([...h, ...tail]));
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects every truncation of a valid encoding', () => {
    for (const spec of SPECS) {
      fc.assert(
        fc.property(streamArb, (stream) => {
          const bytes = filled(spec, stream).encode();
          for (let len = 0; len < bytes.length; len++) {
            assert.throws(
              () => decodeReducer(bytes.subarray(0, len)),
              (err: unknown) =>
                err instanceof SumStatsError && err.code === 'CANOPY_ERR_SUMSTATS_DECODE',
              `${spec.kind} cut at ${len}/${bytes.length}`,
            );
          }
        }),
        { numRuns: 15 },
      );
    }
  });

  it('survives corrupted bytes of valid encodings', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPECS),
        streamArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (spec, stream, edits) => {
          const bytes = filled(spec, stream).encode();
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          decodeSafely(bytes);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('names the problem: unknown version and trailing bytes', () => {
    const good = createReducer({ kind: 'count' }).encode();
    const v2 = Uint8Array.from(good);
    v2[3] = 2;
    assert.throws(() => decodeReducer(v2), /unsupported version 2/);
    assert.throws(() => decodeReducer(Uint8Array.from([...good, 0])), /trailing/);
    assert.throws(() => decodeReducer(new Uint8Array(0)), /truncated/);
  });
});
