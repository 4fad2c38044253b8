import { open, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';

/**
 * Names in an archive directory (docs/archive-format.md, "Directory"):
 *
 *     DIR/LOCK                      pid of the writer
 *     DIR/wal/<seq>.wal             write-ahead log files, seq 16 digits (never reused)
 *     DIR/raw/<startMs>.<part>.seg  chunks whose first sample falls in [startMs, startMs + segmentMs)
 *     DIR/raw/<startMs>.<part>.idx  the segment's index and schema pointers
 *     DIR/m1/…, DIR/h1/…            the same, for the minute and hour tiers
 */

export const WAL_DIR = 'wal';
export const RAW_DIR = 'raw';
/** Directories of the downsampled tiers (same segment layout as raw/). */
export const MINUTE_DIR = 'm1';
export const HOUR_DIR = 'h1';
const LOCK_FILE = 'LOCK';
const WAL_RE = /^(\d{16})\.wal$/;
const SEG_RE = /^(-?\d+)\.(\d+)\.seg$/;

export function walName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.wal`;
}

/** Segment base name (without extension) of a window start and part. */
export function segmentBase(startMs: number, part: number): string {
  return `${startMs}.${part}`;
}

/** WAL sequence numbers present, ascending. */
export async function listWal(dir: string): Promise<number[]> {
  const names = await readdir(join(dir, WAL_DIR)).catch(() => [] as string[]);
  const seqs: number[] = [];
  for (const n of names) {
    const m = WAL_RE.exec(n);
    if (m) seqs.push(Number(m[1]));
  }
  return seqs.sort((a, b) => a - b);
}

export interface SegmentName {
  readonly startMs: number;
  readonly part: number;
  readonly base: string;
}

/** Segments present in `sub` (by their .seg file), in time then part order. */
export async function listSegments(dir: string, sub = RAW_DIR): Promise<SegmentName[]> {
  const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
  const out: SegmentName[] = [];
  for (const n of names) {
    const m = SEG_RE.exec(n);
    if (m)
      out.push({
        startMs: Number(m[1]),
        part: Number(m[2]),
        base: segmentBase(Number(m[1]), Number(m[2])),
      });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.part - b.part);
}

/** fsync a directory, so names created in it survive a power cut. */
export async function syncDir(path: string): Promise<void> {
  const h = await open(path, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockPid(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, LOCK_FILE), 'utf8').catch(() => undefined);
  const pid = text === undefined ? NaN : Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Locks this process holds, so a second writer in the same process is refused too. */
const heldLocks = new Set<string>();

/**
 * Become the archive's only writer: LOCK holds the writer's pid. A lock whose
 * process is gone (a crash) is taken over; a live one is refused.
 */
export async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const pid = await lockPid(dir);
  if (heldLocks.has(path) || (pid !== undefined && pid !== process.pid && pidAlive(pid))) {
    throw new ArchiveError(
      ARCHIVE_ERROR_CODES.locked,
      `${dir}: archive is locked by writer process ${pid ?? process.pid} (remove ${path} if no writer runs)`,
    );
  }
  // Write then rename: a reader never sees a half-written pid.
  const tmp = `${path}.${process.pid}`;
  await writeFile(tmp, `${process.pid}\n`);
  await rename(tmp, path);
  heldLocks.add(path);
}

export async function releaseLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  heldLocks.delete(path);
  if ((await lockPid(dir)) === process.pid) await unlink(path).catch(() => undefined);
}

/** True when a live process holds the writer lock: an incomplete tail is then a write in progress. */
export async function writerAlive(dir: string): Promise<boolean> {
  const pid = await lockPid(dir);
  return pid !== undefined && pidAlive(pid);
}
