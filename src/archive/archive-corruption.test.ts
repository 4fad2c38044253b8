import assert from 'node:assert/strict';
import {
  cpSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ArchiveReader } from './archive-reader.js';
import { makeSet, removeDir, sampleOf, tempDir } from './archive-test-support.js';
import { ArchiveWriter } from './archive-writer.js';
import type { ArchiveError } from './errors.js';
import { RECORD_TYPES, scanRecords } from './record-format.js';

const SETS = ['a', 'b'].map((h) =>
  makeSet(h, [
    ['x', 'f64', 'instant'],
    ['n', 'u64', 'counter'],
  ]),
);
const KEYS = ['Lab:Rack1::a:g', 'Lab:Rack1::b:g'];
const T0 = 1_700_000_040_000;
const value = (s: number, k: number): number => s * 1000 + k / 4;

function batch(
  k: number,
  n: number,
): { set: (typeof SETS)[number]; sample: ReturnType<typeof sampleOf> }[] {
  const out = [];
  for (let j = k; j < k + n; j++) {
    for (let s = 0; s < 2; s++)
      out.push({ set: SETS[s]!, sample: sampleOf(T0 + 1000 * j, [value(s, j), 10 * j]) });
  }
  return out;
}

/** Sample indexes of set s that read back (with their exact values). */
function readable(r: ArchiveReader | ArchiveWriter, s: number): number[] {
  return r.range(KEYS[s]!, 0, -Infinity, Infinity).map(([t, v]) => {
    const k = (t - T0) / 1000;
    assert.equal(v, value(s, k), 'a value that reads back is exact');
    return k;
  });
}

function copyOf(base: string): string {
  const dir = tempDir();
  cpSync(base, dir, { recursive: true });
  rmSync(join(dir, 'LOCK'), { force: true }); // no live writer: tails are torn, not in progress
  return dir;
}

function only(dir: string, sub: string, ext: string): string[] {
  return readdirSync(join(dir, sub))
    .filter((n) => n.endsWith(ext))
    .sort()
    .map((n) => join(dir, sub, n));
}

function records(path: string): { offset: number; type: number; length: number }[] {
  return scanRecords(readFileSync(path), 0).records.map((r) => ({
    offset: r.offset,
    type: r.type,
    length: r.payload.length + 13,
  }));
}

function flip(path: string, at: number): void {
  const b = readFileSync(path);
  b[at]! ^= 0x20;
  writeFileSync(path, b);
}

function assertProblem(
  list: readonly ArchiveError[],
  code: string,
  file: string,
  offset: number,
): void {
  const p = list.find((e) => e.code === code && e.file === file && e.offset === offset);
  assert.ok(p, `want ${code} at ${file}@${offset}, got ${list.map((e) => e.message).join('\n')}`);
  assert.ok(p.message.includes(`${file}@${offset}`), 'the message names file and offset');
}

const dirs: string[] = [];
let sealed: string;
let logged: string;

before(async () => {
  // Sealed data only: several segments of 60 s, chunks of 10 samples.
  sealed = tempDir();
  const w = await ArchiveWriter.open(sealed, { chunkSamples: 10, segmentMs: 60_000 });
  for (let k = 0; k < 200; k += 5) await w.append(batch(k, 5));
  await w.close();
  // WAL only (nothing sealed yet), with frequent keyframes.
  const base = tempDir();
  const w2 = await ArchiveWriter.open(base, { chunkSamples: 10_000, walKeyframeBytes: 200 });
  for (let k = 0; k < 100; k += 2) await w2.append(batch(k, 2));
  logged = copyOf(base);
  await w2.close();
  dirs.push(sealed, logged, base);
});
after(() => dirs.forEach(removeDir));

function fresh(base: string): string {
  const d = copyOf(base);
  dirs.push(d);
  return d;
}

describe('damaged archive files', () => {
  it('a flipped byte in a chunk: that chunk is reported and skipped, everything else reads', async () => {
    const dir = fresh(sealed);
    const seg = only(dir, 'raw', '.seg')[1]!;
    const chunk = records(seg).filter((r) => r.type === RECORD_TYPES.chunk)[2]!;
    flip(seg, chunk.offset + 20);
    const r = await ArchiveReader.open(dir);
    const got = readable(r, 0).length + readable(r, 1).length;
    assert.equal(got, 400 - 10, 'one chunk of 10 samples is lost, no other');
    assertProblem(r.problems(), 'CANOPY_ERR_CORRUPT_RECORD', seg, chunk.offset);
    await r.close();
  });

  it('a truncated segment: entries past its end are reported, earlier chunks read', async () => {
    const dir = fresh(sealed);
    const seg = only(dir, 'raw', '.seg')[0]!;
    const chunks = records(seg).filter((r) => r.type === RECORD_TYPES.chunk);
    const cutAt = chunks[chunks.length - 2]!.offset + 30;
    truncateSync(seg, cutAt);
    const r = await ArchiveReader.open(dir);
    assert.equal(readable(r, 0).length + readable(r, 1).length, 400 - 20);
    assertProblem(
      r.problems(),
      'CANOPY_ERR_INDEX_MISMATCH',
      seg,
      chunks[chunks.length - 1]!.offset,
    );
    await r.close();
  });

  it('a flipped byte in the middle of an index: reported, left unchanged by the writer', async () => {
    const dir = fresh(sealed);
    const idx = only(dir, 'raw', '.idx')[1]!;
    const rec = records(idx).filter((r) => r.type === RECORD_TYPES.index)[1]!;
    flip(idx, rec.offset + 20);
    const before = readFileSync(idx);
    const r = await ArchiveReader.open(dir);
    assertProblem(r.problems(), 'CANOPY_ERR_CORRUPT_RECORD', idx, rec.offset);
    const got = readable(r, 0).length + readable(r, 1).length;
    assert.ok(got < 400 && got >= 400 - 40, `the chunks of one index record are lost: ${got}`);
    await r.close();
    const w = await ArchiveWriter.open(dir);
    assertProblem(w.problems(), 'CANOPY_ERR_CORRUPT_RECORD', idx, rec.offset);
    await w.close();
    assert.deepEqual(readFileSync(idx), before, 'damage in the middle is never rewritten');
  });

  it('a torn index tail: reported by readers, cut by the writer, which re-indexes the chunks', async () => {
    const dir = fresh(sealed);
    const idx = only(dir, 'raw', '.idx')[2]!;
    const recs = records(idx);
    const last = recs[recs.length - 1]!;
    truncateSync(idx, last.offset + 17);
    const r = await ArchiveReader.open(dir);
    assertProblem(r.problems(), 'CANOPY_ERR_TORN_TAIL', idx, last.offset);
    assert.ok(readable(r, 0).length + readable(r, 1).length < 400);
    await r.close();
    const w = await ArchiveWriter.open(dir);
    assertProblem(w.problems(), 'CANOPY_ERR_TORN_TAIL', idx, last.offset);
    assert.equal(
      readable(w, 0).length + readable(w, 1).length,
      400,
      'nothing lost: the chunks are indexed again',
    );
    await w.close();
    const r2 = await ArchiveReader.open(dir);
    assert.equal(readable(r2, 0).length + readable(r2, 1).length, 400);
    assert.deepEqual(r2.problems(), []);
    await r2.close();
  });

  it('a damaged WAL record: reported; sets resume at their next keyframe; the file is not cut', async () => {
    const dir = fresh(logged);
    const wal = only(dir, 'wal', '.wal')[0]!;
    const rec = records(wal).filter((x) => x.type === RECORD_TYPES.wal)[20]!;
    flip(wal, rec.offset + 15);
    const size = statSync(wal).size;
    const r = await ArchiveReader.open(dir);
    assertProblem(r.problems(), 'CANOPY_ERR_CORRUPT_RECORD', wal, rec.offset);
    const a = readable(r, 0);
    assert.ok(
      a.length < 100 && a.length >= 100 - 12,
      `the damaged record and a few after it are lost: ${a.length}`,
    );
    assert.ok(a.includes(99) && a.includes(0));
    await r.close();
    const w = await ArchiveWriter.open(dir);
    assert.deepEqual(readable(w, 0), a, 'the writer recovers the same samples');
    await w.close();
    assert.equal(statSync(wal).size, size, 'damage in the middle is never cut');
  });

  it('a torn WAL tail: reported by readers, cut to the last whole record by the writer', async () => {
    const dir = fresh(logged);
    const wal = only(dir, 'wal', '.wal')[0]!;
    const recs = records(wal);
    const last = recs[recs.length - 1]!;
    truncateSync(wal, last.offset + last.length - 3);
    const r = await ArchiveReader.open(dir);
    assertProblem(r.problems(), 'CANOPY_ERR_TORN_TAIL', wal, last.offset);
    assert.equal(readable(r, 0).length, 98);
    await r.close();
    const w = await ArchiveWriter.open(dir, { chunkSamples: 10_000 });
    assertProblem(w.problems(), 'CANOPY_ERR_TORN_TAIL', wal, last.offset);
    assert.equal(statSync(wal).size, last.offset, 'cut exactly at the last whole record');
    assert.equal(readable(w, 1).length, 98);
    await w.close();
  });
});
