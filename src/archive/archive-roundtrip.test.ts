import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { ArchiveReader } from './archive-reader.js';
import { makeSet, removeDir, sampleOf, same, tempDir } from './archive-test-support.js';
import { ArchiveWriter } from './archive-writer.js';

const SET = makeSet('n1', [
  ['temp', 'f64', 'instant'],
  ['bytes', 'u64', 'counter'],
  ['cores', 'i64', 'discrete'],
  ['state', 'string', 'discrete'],
]);
const KEY = 'Lab:Rack1::n1:g';
const EDGES = [
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  2 ** 53,
  -(2 ** 53),
  2 ** 53 - 1,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  0.1,
  -1e-300,
];

/** Sample k of the reference data: edge values, decimals, a counter with resets, changing strings. */
function row(k: number): { t: number; values: number[]; state: string | undefined } {
  const temp = k % 9 === 4 ? EDGES[k % EDGES.length]! : Math.round(2000 + 37 * Math.sin(k)) / 100;
  const bytes =
    k % 50 === 17
      ? 0
      : (k % 50) * 4096 + (k % 50 > 17 ? 0 : 2 ** 40) + (k % 13 === 0 ? 2 ** 53 - 2 ** 41 : 0);
  const cores = k < 40 ? 8 : k % 11 === 0 ? Math.PI * k : 16;
  const state = k % 7 === 0 ? undefined : k < 30 ? 'up' : `load ${Math.floor(k / 10)} — ✓`;
  return { t: 1_700_000_000_000 + 1000 * k, values: [temp, bytes, cores, NaN], state };
}

function item(
  k: number,
  set: SetInstance = SET,
): { set: SetInstance; sample: ReturnType<typeof sampleOf> } {
  const r = row(k);
  return { set, sample: sampleOf(r.t, r.values, [undefined, undefined, undefined, r.state]) };
}

interface Readable {
  range(key: string, metric: number, fromMs: number, toMs: number): [number, number][];
  rangeStrings(
    key: string,
    metric: number,
    fromMs: number,
    toMs: number,
  ): [number, string | undefined][];
}

/** Every metric of samples [0, n) reads back exactly, in order, once. */
function assertAll(r: Readable, n: number): void {
  for (let m = 0; m < 3; m++) {
    const pts = r.range(KEY, m, -Infinity, Infinity);
    assert.equal(pts.length, n, `metric ${m}: ${pts.length} points, want ${n}`);
    pts.forEach(([t, v], k) => {
      const want = row(k);
      assert.equal(t, want.t);
      assert.ok(same(v, want.values[m]!), `metric ${m} sample ${k}: ${v} vs ${want.values[m]}`);
    });
  }
  const strings = r.rangeStrings(KEY, 3, -Infinity, Infinity);
  assert.deepEqual(
    strings,
    Array.from({ length: n }, (_, k) => [row(k).t, row(k).state]),
  );
}

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

describe('archive round trip', () => {
  it('keeps every value type and edge value through append, reopen and a concurrent reader', async () => {
    const dir = tempDir();
    dirs.push(dir);
    // Small chunks and segments: many chunks, several segments, sealed and open data mixed.
    const w = await ArchiveWriter.open(dir, { chunkSamples: 7, segmentMs: 20_000 });
    for (let k = 0; k < 100; k += 5) await w.append([0, 1, 2, 3, 4].map((j) => item(k + j)));
    assertAll(w, 100);
    const r = await ArchiveReader.open(dir);
    assertAll(r, 100);
    for (let k = 100; k < 130; k++) await w.append([item(k)]);
    await r.refresh();
    assertAll(r, 130);
    assert.deepEqual(
      r.sets().map((s) => [s.key, s.firstMs, s.lastMs]),
      [[KEY, row(0).t, row(129).t]],
    );
    await w.close();
    assert.deepEqual(
      readdirSync(join(dir, 'wal')),
      [],
      'every WAL file is deleted once all is sealed',
    );
    await r.refresh();
    assertAll(r, 130);
    assert.deepEqual(r.problems(), []);
    await r.close();
    const again = await ArchiveReader.open(dir);
    assertAll(again, 130);
    await again.close();
    const w2 = await ArchiveWriter.open(dir);
    assertAll(w2, 130);
    assert.deepEqual(w2.problems(), []);
    await w2.close();
  });

  it('skips replayed samples and keeps a series across a schema change', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const w = await ArchiveWriter.open(dir, { chunkSamples: 4 });
    for (let k = 0; k < 10; k++) await w.append([item(k)]);
    await w.append([item(3), item(9), item(10)]); // a replay after a reconnect, then one new
    assert.equal(w.stats().duplicates, 2);
    const grown = makeSet('n1', [
      ['extra', 'f64', 'instant'],
      ['temp', 'f64', 'instant'],
      ['bytes', 'u64', 'counter'],
    ]);
    const t = row(11).t;
    await w.append([{ set: grown, sample: sampleOf(t, [1, 21.5, 99]) }]);
    await w.close();
    const r = await ArchiveReader.open(dir);
    const [info] = r.sets();
    assert.equal(info!.set.schema.metrics[0]!.name, 'extra', 'sets() lists the latest schema');
    const temps = r.range(KEY, 1, -Infinity, Infinity); // 'temp' in the latest schema
    assert.equal(temps.length, 12);
    assert.deepEqual(temps[11], [t, 21.5]);
    assert.ok(same(temps[4]![1], row(4).values[0]!));
    assert.deepEqual(r.range(KEY, 0, -Infinity, Infinity), [[t, 1]]);
    assert.throws(() => r.range(KEY, 3, 0, 1), { code: 'CANOPY_ERR_INVALID_ARGUMENT' });
    await r.close();
  });

  it('seals chunks by age and deletes WAL files whose samples are all sealed', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock(0);
    const w = await ArchiveWriter.open(dir, { clock, chunkMaxAgeMs: 60_000, walFileBytes: 300 });
    for (let k = 0; k < 20; k++) await w.append([item(k)]);
    assert.ok(readdirSync(join(dir, 'wal')).length > 2, 'small WAL files roll');
    assert.equal(w.stats().chunksSealed, 0);
    clock.advance(75_000);
    for (let i = 0; i < 100 && w.stats().chunksSealed === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(w.stats().chunksSealed, 1, 'the chunk open for chunkMaxAgeMs is sealed');
    for (let i = 0; i < 100 && readdirSync(join(dir, 'wal')).length > 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(readdirSync(join(dir, 'wal')).length, 1, 'only the current WAL file is left');
    assertAll(w, 20);
    // Sample time counts too: a sample more than chunkMaxAgeMs after the chunk's first starts a new chunk.
    await w.append([
      {
        set: SET,
        sample: sampleOf(
          row(19).t + 61_000,
          [1, 2, 3, NaN],
          [undefined, undefined, undefined, 'z'],
        ),
      },
    ]);
    await w.append([
      {
        set: SET,
        sample: sampleOf(
          row(19).t + 200_000,
          [1, 2, 3, NaN],
          [undefined, undefined, undefined, 'z'],
        ),
      },
    ]);
    for (let i = 0; i < 100 && w.stats().chunksSealed < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(w.stats().chunksSealed, 2);
    await w.close();
  });

  it('groups syncs, refuses bad input whole, a second writer, and use after close', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const w = await ArchiveWriter.open(dir, { syncIntervalMs: 50 });
    await Promise.all(Array.from({ length: 50 }, (_, k) => w.append([item(k)])));
    assert.ok(w.stats().fsyncs <= 3, `50 appends in one tick share syncs: ${w.stats().fsyncs}`);
    await assert.rejects(w.append([item(60), { set: SET, sample: sampleOf(row(61).t, [1, 2]) }]), {
      code: 'CANOPY_ERR_INVALID_ARGUMENT',
    });
    assert.equal(
      w.range(KEY, 0, -Infinity, Infinity).length,
      50,
      'nothing of the refused batch is stored',
    );
    await assert.rejects(ArchiveWriter.open(dir), { code: 'CANOPY_ERR_ARCHIVE_LOCKED' });
    await w.close();
    await assert.rejects(w.append([item(70)]), { code: 'CANOPY_ERR_ARCHIVE_CLOSED' });
  });
});
