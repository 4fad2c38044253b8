import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ArchiveReader } from './archive-reader.js';
import { makeSet, removeDir, sampleOf, tempDir } from './archive-test-support.js';
import { ArchiveWriter } from './archive-writer.js';
import type { TierPoint } from './tier-query.js';

const SET = makeSet('n1', [
  ['g', 'f64', 'instant'],
  ['c', 'u64', 'counter'],
  ['s', 'string', 'discrete'],
]);
const KEY = 'Lab:Rack1::n1:g';
const MIN = 60_000;
const HOUR = 3_600_000;
/** Recent sample times, so the writer's own retention check never touches them. */
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR + 13_337;

interface Point {
  readonly t: number;
  readonly g: number;
  readonly c: number;
}

/** Every 7 s for 4.5 h with a 25-minute gap, NaN gauges now and then, a counter reset; quarters keep sums exact. */
function points(): Point[] {
  const out: Point[] = [];
  for (let i = 0; i * 7000 < 4.5 * HOUR; i++) {
    const t = T0 + i * 7000;
    if (t >= T0 + 50 * MIN && t < T0 + 75 * MIN) continue;
    const g = i % 53 === 0 ? NaN : (((i * 37) % 101) - 50) / 4;
    const c = i < 1500 ? i * 10 : (i - 1500) * 3;
    out.push({ t, g, c });
  }
  return out;
}

interface Acc {
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

/** Reference buckets of the values `pick` takes from the points that are in closed buckets. */
function reference(
  pts: readonly Point[],
  bucketMs: number,
  closedBefore: number,
  pick: (p: Point) => number,
): TierPoint[] {
  const buckets = new Map<number, Acc>();
  for (const p of pts) {
    const b = Math.floor(p.t / bucketMs) * bucketMs;
    if (b >= closedBefore) continue;
    let a = buckets.get(b);
    if (a === undefined) buckets.set(b, (a = { min: NaN, max: NaN, sum: 0, count: 0, last: NaN }));
    const v = pick(p);
    if (Number.isNaN(v)) continue;
    a.min = a.count === 0 ? v : Math.min(a.min, v);
    a.max = a.count === 0 ? v : Math.max(a.max, v);
    a.sum += v;
    a.count++;
    a.last = v;
  }
  return [...buckets].map(([t, a]) => ({
    t,
    min: a.min,
    max: a.max,
    avg: a.count > 0 ? a.sum / a.count : NaN,
    count: a.count,
    last: a.last,
  }));
}

/** What the tiers must hold after `pts`: closed minutes, and hours closed by a later minute row. */
function expected(pts: readonly Point[]): Record<'1m' | '1h', Record<'g' | 'c', TierPoint[]>> {
  const lastT = pts[pts.length - 1]!.t;
  const minuteLimit = Math.floor(lastT / MIN) * MIN;
  const minutes = reference(pts, MIN, minuteLimit, (p) => p.g);
  const lastMinute = minutes[minutes.length - 1]!.t;
  const hourLimit = Math.floor(lastMinute / HOUR) * HOUR;
  return {
    '1m': { g: minutes, c: reference(pts, MIN, minuteLimit, (p) => p.c) },
    '1h': {
      g: reference(pts, HOUR, hourLimit, (p) => p.g),
      c: reference(pts, HOUR, hourLimit, (p) => p.c),
    },
  };
}

async function appendAll(w: ArchiveWriter, pts: readonly Point[]): Promise<void> {
  for (let i = 0; i < pts.length; i += 97) {
    await w.append(
      pts.slice(i, i + 97).map((p) => ({
        set: SET,
        sample: sampleOf(p.t, [p.g, p.c, NaN], [undefined, undefined, 'x']),
      })),
    );
  }
}

interface TierReadable {
  rangeTier(
    key: string,
    metric: number | string,
    fromMs: number,
    toMs: number,
    tier: '1m' | '1h' | 'raw',
  ): TierPoint[];
}

function checkTiers(r: TierReadable, pts: readonly Point[], what: string): void {
  const want = expected(pts);
  for (const tier of ['1m', '1h'] as const) {
    assert.deepEqual(
      r.rangeTier(KEY, 'g', -Infinity, Infinity, tier),
      want[tier].g,
      `${what} ${tier} g`,
    );
    assert.deepEqual(
      r.rangeTier(KEY, 1, -Infinity, Infinity, tier),
      want[tier].c,
      `${what} ${tier} c`,
    );
  }
}

describe('downsampled tiers', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));

  it('hold min, max, avg, count and last per minute and hour, equal to a reference, incl. partial buckets and gaps', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const pts = points();
    const w = await ArchiveWriter.open(dir, { retentionCheckMs: 1e9 });
    await appendAll(w, pts);
    await w.flush();
    const want = expected(pts);
    assert.ok(want['1m'].g.length > 200 && want['1h'].g.length === 4, 'the reference has data');
    assert.ok(
      want['1m'].g.some((p) => p.count < 8),
      'partial minute buckets are covered',
    );
    checkTiers(w, pts, 'writer');
    const r = await ArchiveReader.open(dir);
    checkTiers(r, pts, 'reader');
    // A window in the middle: bounds are inclusive on bucket starts.
    const from = T0 + 2 * HOUR;
    const mid = r.rangeTier(KEY, 'g', from, from + 10 * MIN, '1m');
    assert.deepEqual(
      mid,
      want['1m'].g.filter((p) => p.t >= from && p.t <= from + 10 * MIN),
    );
    const raw = r.rangeTier(KEY, 'g', T0, T0 + 20_000, 'raw');
    assert.deepEqual(
      raw.map((p) => [p.t, p.count]),
      [
        [T0, 0],
        [T0 + 7000, 1],
        [T0 + 14_000, 1],
      ],
    );
    await r.close();
    await w.close();
  });

  it('rebuild the open buckets from raw after a reopen', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const pts = points();
    const cut = Math.floor(pts.length * 0.6) + 3;
    let w = await ArchiveWriter.open(dir, { retentionCheckMs: 1e9 });
    await appendAll(w, pts.slice(0, cut));
    await w.close();
    w = await ArchiveWriter.open(dir, { retentionCheckMs: 1e9 });
    checkTiers(w, pts.slice(0, cut), 'reopened');
    await appendAll(w, pts.slice(cut));
    await w.flush();
    checkTiers(w, pts, 'continued');
    await w.close();
    const r = await ArchiveReader.open(dir);
    checkTiers(r, pts, 'reader after reopen');
    await r.close();
  });

  it('are not kept with tiers: false', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const w = await ArchiveWriter.open(dir, { tiers: false, retentionCheckMs: 1e9 });
    await appendAll(w, points().slice(0, 300));
    await w.flush();
    assert.deepEqual(w.rangeTier(KEY, 'g', -Infinity, Infinity, '1m'), []);
    assert.equal(w.rangeTier(KEY, 'g', -Infinity, Infinity, 'raw').length, 300);
    await w.close();
  });
});
