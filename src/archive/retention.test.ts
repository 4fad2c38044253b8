import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ArchiveReader } from './archive-reader.js';
import { makeSet, removeDir, sampleOf, tempDir } from './archive-test-support.js';
import { ArchiveWriter } from './archive-writer.js';
import { DEFAULT_RETENTION, pickTier } from './retention.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;

describe('pickTier', () => {
  const now = 1_800_000_000_000;
  const cases: [number, number, string][] = [
    [10_000, now - HOUR, 'raw'],
    [MIN - 1, now - DAY, 'raw'],
    [MIN, now - HOUR, '1m'],
    [5 * MIN, now - 13 * DAY, '1m'],
    [HOUR, now - HOUR, '1h'],
    [DAY, now - 4 * 365 * DAY, '1h'],
    // Raw no longer reaches back: the finest store that does.
    [10_000, now - 30 * DAY, '1m'],
    // The minute tier no longer reaches back either.
    [MIN, now - 2 * 365 * DAY, '1h'],
    // Nothing reaches back: the longest-kept store.
    [MIN, now - 10 * 365 * DAY, '1h'],
  ];
  for (const [step, from, want] of cases) {
    it(`step ${step} ms from now-${(now - from) / HOUR} h → ${want}`, () => {
      assert.equal(pickTier(step, from, now), want);
    });
  }
  it('follows the configured retention', () => {
    assert.equal(
      pickTier(10_000, now - 365 * DAY, now, { ...DEFAULT_RETENTION, rawMs: Infinity }),
      'raw',
    );
    assert.equal(pickTier(HOUR, now - 2 * DAY, now, { ...DEFAULT_RETENTION, hourMs: DAY }), '1m');
  });
});

const SETS = ['n1', 'n2'].map((h) => makeSet(h, [['g', 'f64', 'instant']]));
const KEY = 'Lab:Rack1::n1:g';
/** Three days of one sample a minute, ending a little before now. */
const START = Math.floor(Date.now() / HOUR) * HOUR - 3 * DAY;
const END = START + 3 * DAY - MIN;

function batch(
  fromMs: number,
  toMs: number,
): { set: (typeof SETS)[number]; sample: ReturnType<typeof sampleOf> }[] {
  const out = [];
  for (let t = fromMs; t <= toMs; t += MIN) {
    for (const set of SETS) out.push({ set, sample: sampleOf(t, [(t / MIN) % 1000]) });
  }
  return out;
}

function segStarts(dir: string): number[] {
  return readdirSync(join(dir, 'raw'))
    .filter((n) => n.endsWith('.seg'))
    .map((n) => Number(n.split('.')[0]));
}

describe('retention', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));
  const options = { retention: { rawMs: DAY }, retentionCheckMs: 1e9 };

  it('removes old raw data while a reader is open', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const w = await ArchiveWriter.open(dir, options);
    for (let t = START; t <= END; t += 6 * HOUR)
      await w.append(batch(t, Math.min(END, t + 6 * HOUR - MIN)));
    await w.flush();
    const r = await ArchiveReader.open(dir);
    const old: [number, number] = [START + HOUR, START + HOUR + 30 * MIN];
    const before = r.range(KEY, 0, ...old);
    assert.equal(before.length, 31);
    const segsBefore = segStarts(dir).length;

    const cutoff = END - DAY;
    const removed = await w.enforceRetention(END);
    assert.ok(removed >= 20, `removed ${removed} segments`);
    assert.equal(segStarts(dir).length, segsBefore - removed);
    for (const s of segStarts(dir)) assert.ok(s + 2 * HOUR + 5 * MIN > cutoff, `segment ${s} kept`);
    // The writer forgets the raw data at once; the minute tier still has it.
    assert.deepEqual(w.range(KEY, 0, ...old), []);
    assert.equal(w.rangeTier(KEY, 'g', ...old, '1m').length, 31);
    assert.ok(w.sets().every((s) => s.firstMs > cutoff - 2 * HOUR));

    // The reader, not yet refreshed, answers from the descriptor it holds and never throws.
    assert.deepEqual(r.range(KEY, 0, ...old), before);
    const all = r.range(KEY, 0, START, END);
    assert.ok(
      all.filter(([t]) => t >= cutoff).length === DAY / MIN + 1,
      'what still exists is all there',
    );
    await r.refresh();
    assert.deepEqual(r.range(KEY, 0, ...old), []);
    assert.equal(r.range(KEY, 0, cutoff, END).length, DAY / MIN + 1);
    assert.ok(
      r.sets().every((s) => s.firstMs > cutoff - 2 * HOUR),
      'removed segments are no longer listed',
    );
    assert.equal(r.rangeTier(KEY, 'g', ...old, '1m').length, 31);
    await r.close();
    await w.close();
    // A fresh reader never sees the removed segments.
    const r2 = await ArchiveReader.open(dir);
    assert.deepEqual(r2.range(KEY, 0, ...old), []);
    assert.deepEqual(r2.problems(), []);
    await r2.close();
  });

  it('lets ingestion continue while it runs', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const w = await ArchiveWriter.open(dir, { ...options, chunkSamples: 30 });
    for (let t = START; t <= END; t += 6 * HOUR)
      await w.append(batch(t, Math.min(END, t + 6 * HOUR - MIN)));
    await w.flush();
    const appends: Promise<void>[] = [];
    const retention = w.enforceRetention(END + DAY);
    for (let k = 1; k <= 200; k++) appends.push(w.append(batch(END + k * MIN, END + k * MIN)));
    const [removed] = await Promise.all([retention, ...appends]);
    assert.ok((removed as number) >= 30);
    await w.flush();
    assert.equal(w.range(KEY, 0, END + MIN, END + 200 * MIN).length, 200);
    await w.close();
    const r = await ArchiveReader.open(dir);
    const got = r.range(KEY, 0, START, Infinity);
    assert.equal(got.filter(([t]) => t > END).length, 200);
    // Only the segment holding END survives of the old data.
    assert.ok(got[0]![0] > END - 2 * HOUR - 5 * MIN);
    assert.deepEqual(r.problems(), []);
    await r.close();
  });
});
