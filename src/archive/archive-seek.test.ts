import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ArchiveReader } from './archive-reader.js';
import { makeSet, removeDir, sampleOf, tempDir } from './archive-test-support.js';
import { ArchiveWriter } from './archive-writer.js';
import { prng } from './test-support.js';

const SET = makeSet('seek', [
  ['a', 'f64', 'instant'],
  ['b', 'u64', 'counter'],
]);
const KEY = 'Lab:Rack1::seek:g';

/** Irregular timestamps: jitter, gaps of minutes, bursts 1 ms apart. */
function reference(n: number): [number, number, number][] {
  const rnd = prng(42);
  const out: [number, number, number][] = [];
  let t = 1_600_000_000_000;
  let c = 0;
  for (let k = 0; k < n; k++) {
    const r = rnd();
    t +=
      r < 0.05
        ? 300_000 + Math.floor(rnd() * 1e6)
        : r < 0.1
          ? 1
          : 1000 + Math.floor(rnd() * 50) - 25;
    c += Math.floor(rnd() * 1000);
    out.push([t, Math.round(rnd() * 1e4) / 100, c]);
  }
  return out;
}

interface Seekable {
  range(
    key: string,
    metric: number,
    fromMs: number,
    toMs: number,
    limit?: number,
  ): [number, number][];
  rangeBackward(key: string, metric: number, beforeMs: number, limit: number): [number, number][];
}

function checkSeeks(s: Seekable, ref: [number, number, number][], seed: number): void {
  const rnd = prng(seed);
  const first = ref[0]![0];
  const last = ref[ref.length - 1]![0];
  const probes = [
    first - 1,
    first,
    first + 1,
    last - 1,
    last,
    last + 1,
    ...ref.filter((_, k) => k % 97 === 0).map((r) => r[0]),
  ];
  for (let i = 0; i < 60; i++)
    probes.push(first - 5000 + Math.floor(rnd() * (last - first + 10_000)));
  for (const m of [0, 1]) {
    const series = ref.map((r) => [r[0], r[1 + m]!] as [number, number]);
    for (let i = 0; i < probes.length; i++) {
      const from = probes[i]!;
      const to = probes[(i * 7 + 3) % probes.length]!;
      assert.deepEqual(
        s.range(KEY, m, from, to),
        series.filter(([t]) => t >= from && t <= to),
        `range ${from}..${to}`,
      );
      const limit = 1 + (i % 40);
      assert.deepEqual(
        s.range(KEY, m, from, Infinity, limit),
        series.filter(([t]) => t >= from).slice(0, limit),
      );
      assert.deepEqual(
        s.rangeBackward(KEY, m, from, limit),
        series
          .filter(([t]) => t < from)
          .reverse()
          .slice(0, limit),
        `backward from ${from}, ${limit}`,
      );
    }
    assert.deepEqual(s.rangeBackward(KEY, m, Infinity, ref.length + 5), [...series].reverse());
  }
  assert.deepEqual(s.range('no such set', 0, 0, Infinity), []);
}

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

describe('seeking in time', () => {
  it('reads forward and backward from any time like a reference, sealed and open data alike', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const ref = reference(1500);
    const w = await ArchiveWriter.open(dir, { chunkSamples: 16, segmentMs: 120_000 });
    for (let k = 0; k < ref.length; k += 50) {
      await w.append(
        ref.slice(k, k + 50).map(([t, a, b]) => ({ set: SET, sample: sampleOf(t, [a, b]) })),
      );
    }
    checkSeeks(w, ref, 1);
    const r = await ArchiveReader.open(dir);
    checkSeeks(r, ref, 2);
    await w.close();
    await r.refresh();
    checkSeeks(r, ref, 3);
    await r.close();
  });
});
