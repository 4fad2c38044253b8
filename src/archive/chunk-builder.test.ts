import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { makeSet, same } from './archive-test-support.js';
import { ByteSink } from './byte-io.js';
import { ChunkBuilder } from './chunk-builder.js';
import {
  ChunkLayout,
  LANE_KINDS,
  decodeLane,
  decodeStrings,
  decodeTimestamps,
} from './chunk-format.js';
import { makeVersion } from './set-version.js';
import { seriesArb } from './test-support.js';

const version = makeVersion(
  makeSet('h', [
    ['gauge', 'f64', 'instant'],
    ['count', 'u64', 'counter'],
    ['const', 'i64', 'discrete'],
    ['text', 'string', 'discrete'],
  ]),
);

interface Row {
  t: number;
  values: number[];
  text: string | undefined;
}

/** Append rows (sealing whenever the builder asks), return the decoded rows of every chunk. */
function roundTrip(rows: readonly Row[], chunkSamples: number): Row[] {
  const b = new ChunkBuilder(version, chunkSamples);
  const sink = new ByteSink();
  const bodies: Uint8Array[] = [];
  const seal = (): void => {
    sink.reset();
    b.seal(sink);
    bodies.push(sink.view().slice());
  };
  for (const r of rows) {
    const strings = [undefined, undefined, undefined, r.text];
    if (!b.append(r.t, Float64Array.from(r.values), strings)) {
      seal();
      assert.ok(
        b.append(r.t, Float64Array.from(r.values), strings),
        'a fresh chunk takes any sample',
      );
    }
    if (b.count === chunkSamples) seal();
  }
  if (b.count > 0) {
    // The snapshot of an open chunk is the body it would seal into.
    const snap = b.snapshot();
    seal();
    assert.deepEqual(bodies[bodies.length - 1], snap);
  }
  const out: Row[] = [];
  const c = new ChunkLayout();
  for (const body of bodies) {
    c.parse(body, 0, body.length);
    const ts = new Float64Array(c.count);
    decodeTimestamps(body, c, ts);
    const lanes = [0, 1, 2, 3].map((i) => {
      const v = new Float64Array(c.count);
      decodeLane(body, c, i, v);
      return v;
    });
    const text = decodeStrings(body, c, 0);
    for (let j = 0; j < c.count; j++) {
      out.push({ t: ts[j]!, values: lanes.map((l) => l[j]!), text: text[j] });
    }
  }
  return out;
}

function assertSameRows(got: Row[], want: readonly Row[]): void {
  assert.equal(got.length, want.length);
  got.forEach((g, j) => {
    const w = want[j]!;
    assert.equal(g.t, w.t);
    assert.equal(g.text, w.text, `text at ${j}`);
    g.values.forEach((v, i) =>
      assert.ok(same(v, w.values[i]!), `row ${j} metric ${i}: ${v} vs ${w.values[i]}`),
    );
  });
}

describe('ChunkBuilder', () => {
  it('round-trips every double exactly, in any chunk size (property)', () => {
    fc.assert(
      fc.property(seriesArb, seriesArb, fc.integer({ min: 1, max: 40 }), (g, counter, size) => {
        const n = Math.max(g.length, counter.length);
        const rows: Row[] = [];
        for (let j = 0; j < n; j++) {
          const v = [
            g[j % Math.max(1, g.length)] ?? 0,
            counter[j % Math.max(1, counter.length)] ?? 0,
            7,
            NaN,
          ];
          rows.push({
            t: 1_000 * j,
            values: v,
            text: j % 3 === 0 ? `s${j}` : j % 5 === 0 ? undefined : 'same',
          });
        }
        assertSameRows(roundTrip(rows, size), rows);
      }),
      { numRuns: 150 },
    );
  });

  it('stores a steady counter against a trend and a constant as one value', () => {
    const rows: Row[] = [];
    for (let j = 0; j < 50; j++)
      rows.push({ t: j * 1000, values: [j % 7, 1e9 + 4000 * j + (j % 3), 5, NaN], text: 'x' });
    const b = new ChunkBuilder(version, 25);
    const sink = new ByteSink();
    for (const r of rows.slice(0, 25))
      b.append(r.t, Float64Array.from(r.values), [undefined, undefined, undefined, r.text]);
    sink.reset();
    b.seal(sink);
    for (const r of rows.slice(25))
      b.append(r.t, Float64Array.from(r.values), [undefined, undefined, undefined, r.text]);
    const body = b.snapshot();
    const c = new ChunkLayout().parse(body, 0, body.length);
    assert.equal(c.laneKind[1], LANE_KINDS.trend);
    assert.equal(c.laneRate[1], 4000); // the previous chunk's mean step
    assert.equal(c.laneKind[2], LANE_KINDS.constant);
    assert.equal(c.laneKind[0], LANE_KINDS.stream);
    assertSameRows(roundTrip(rows, 25), rows);
  });

  it('asks for a seal when a counter value cannot be stored exactly against the trend', () => {
    const b = new ChunkBuilder(version, 100);
    const s = [undefined, undefined, undefined, 'a'];
    assert.ok(b.append(0, Float64Array.of(0, 10, 1, NaN), s));
    assert.ok(b.append(1, Float64Array.of(0, 20, 1, NaN), s)); // trend 10 per sample
    assert.ok(b.append(2, Float64Array.of(0, 30, 1, NaN), s));
    assert.equal(b.append(3, Float64Array.of(0, -0, 1, NaN), s), false, '-0 would come back as +0');
    assert.equal(b.count, 3, 'nothing changed');
    assertSameRows(
      roundTrip(
        [0, 1, 2, 3, 4].map((j) => ({
          t: j,
          values: [0, j === 3 ? -0 : j === 4 ? 0.1 : 10 * (j + 1), 1, NaN],
          text: 'a',
        })),
        100,
      ),
      [0, 1, 2, 3, 4].map((j) => ({
        t: j,
        values: [0, j === 3 ? -0 : j === 4 ? 0.1 : 10 * (j + 1), 1, NaN],
        text: 'a',
      })),
    );
  });

  it('rejects a body whose header does not add up', () => {
    const b = new ChunkBuilder(version, 10);
    b.append(5, Float64Array.of(1, 2, 3, NaN), null);
    const body = b.snapshot();
    assert.throws(() => new ChunkLayout().parse(body, 0, body.length - 1), {
      code: 'CANOPY_ERR_CORRUPT_CHUNK',
    });
    assert.throws(() => new ChunkLayout().parse(body, 0, 3), { code: 'CANOPY_ERR_CORRUPT_CHUNK' });
  });
});
