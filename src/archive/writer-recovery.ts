import { open, truncate, unlink } from 'node:fs/promises';
import { RAW_DIR, listSegments, listWal } from './archive-files.js';
import { ByteSource } from './byte-io.js';
import type { ArchiveCatalog } from './catalog.js';
import { ChunkLayout } from './chunk-format.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, fileError } from './errors.js';
import { fileSize, readFrom } from './file-read.js';
import { ENTRY_KINDS, encodeIndexEntries } from './index-entry.js';
import type { IndexEntry } from './index-entry.js';
import type { ProblemLog } from './problem-log.js';
import {
  RECORD_HEADER_BYTES,
  RECORD_TYPES,
  checkFileHeader,
  encodeRecord,
  fileHeaderRecord,
  scanRecords,
} from './record-format.js';
import type { FileKind, ScannedRecord } from './record-format.js';
import { decodeSchemas } from './schema-record.js';
import { SegmentState, loadIndexTail } from './segment-index.js';
import type { SegmentStore } from './segment-store.js';
import { WalCursor } from './wal-cursor.js';
import type { WalSink } from './wal-cursor.js';

/**
 * What the writer does on open, before it accepts appends (docs/archive-
 * format.md, "Recovery"): load every segment index, cut an index's torn
 * tail, index segment records that a crash left without index entries (and
 * cut the segment's torn tail), then replay the WAL files in order into open
 * chunks, cutting a torn final record. Only torn tails are ever cut; damage
 * in the middle of a file is reported and left as it is.
 */
export async function recoverSegments(
  dir: string,
  catalog: ArchiveCatalog,
  problems: ProblemLog,
  store: SegmentStore,
  sub = RAW_DIR,
): Promise<void> {
  for (const name of await listSegments(dir, sub)) {
    const seg = new SegmentState(dir, name, sub);
    try {
      await loadIndexTail(seg, catalog, problems);
      await cutIndexTail(seg, problems);
      await reindexSegmentTail(seg, catalog, problems);
    } catch (err) {
      seg.damaged = true;
      problems.add(
        err instanceof ArchiveError
          ? err
          : fileError(ARCHIVE_ERROR_CODES.io, seg.path, 0, String(err), err),
      );
    }
    store.adopt(seg);
  }
}

/** A WAL file left after recovery. */
export interface RecoveredWal {
  readonly seq: number;
  readonly size: number;
  /**
   * Damage was found in it (or it could not be read at all). Such a file is
   * never deleted: it is replayed on every open, its readable samples
   * skipped as duplicates, and kept for whoever investigates.
   */
  readonly keep: boolean;
}

/** Replay every WAL file into `sink`; returns the files left and their sizes after cutting torn tails. */
export async function recoverWal(
  dir: string,
  problems: ProblemLog,
  sink: WalSink,
): Promise<RecoveredWal[]> {
  const out: RecoveredWal[] = [];
  for (const seq of await listWal(dir)) {
    const cursor = new WalCursor(dir, seq);
    try {
      await cursor.read(problems, sink);
    } catch (err) {
      // Unreadable as a whole (another format): keep it, never delete it.
      problems.add(
        err instanceof ArchiveError
          ? err
          : fileError(ARCHIVE_ERROR_CODES.io, cursor.path, 0, String(err), err),
      );
      await cursor.close();
      out.push({ seq, size: cursor.offset, keep: true });
      continue;
    }
    await cursor.close();
    if (cursor.tail !== undefined)
      await cut(cursor.path, cursor.offset, cursor.tail.reason, problems);
    if (cursor.offset === 0) {
      await unlink(cursor.path); // not even a whole header: it never held a sample
      continue;
    }
    out.push({ seq, size: cursor.offset, keep: cursor.damaged });
  }
  return out;
}

async function cut(
  path: string,
  offset: number,
  reason: string,
  problems: ProblemLog,
): Promise<void> {
  const size = await fileSize(path);
  await truncate(path, offset);
  await syncFile(path);
  problems.add(
    fileError(
      ARCHIVE_ERROR_CODES.tornTail,
      path,
      offset,
      `${reason}: cut ${size - offset} bytes of torn tail`,
    ),
  );
}

async function syncFile(path: string): Promise<void> {
  const h = await open(path, 'r+');
  try {
    await h.datasync();
  } finally {
    await h.close();
  }
}

/** Append bytes at the end of a file and sync it. */
async function appendSynced(path: string, bytes: Uint8Array, at: number): Promise<void> {
  const h = await open(path, 'r+');
  try {
    await h.write(bytes, 0, bytes.length, at);
    await h.datasync();
  } finally {
    await h.close();
  }
}

/** Cut the index's torn tail; give an empty index its header back. */
async function cutIndexTail(seg: SegmentState, problems: ProblemLog): Promise<void> {
  if (seg.idxTail !== undefined)
    await cut(seg.idxPath, seg.idxOffset, seg.idxTail.reason, problems);
  seg.idxTail = undefined;
  if (seg.idxOffset === 0) seg.idxOffset = await restoreHeader(seg.idxPath, 'idx');
}

/** A file cut to nothing (a crash right after creating it) gets a fresh header; returns its size. */
async function restoreHeader(path: string, kind: FileKind): Promise<number> {
  const size = await fileSize(path);
  if (size > 0) return size;
  const head = fileHeaderRecord(kind);
  await appendSynced(path, head, 0);
  return head.length;
}

/**
 * Records after the last indexed one were written and synced but their
 * index entries were not: index them now. A torn record at the end is cut.
 */
async function reindexSegmentTail(
  seg: SegmentState,
  catalog: ArchiveCatalog,
  problems: ProblemLog,
): Promise<void> {
  const start = seg.recordsEnd;
  const bytes = await readFrom(seg.path, start);
  const scan = scanRecords(bytes, start);
  const entries: IndexEntry[] = [];
  for (const c of scan.corrupt) {
    seg.damaged = true;
    problems.add(
      fileError(
        ARCHIVE_ERROR_CODES.corruptRecord,
        seg.path,
        c.offset,
        `${c.reason}; ${c.length} bytes skipped`,
      ),
    );
  }
  for (const rec of scan.records) {
    try {
      const e = indexRecord(seg, rec, catalog);
      if (e !== undefined) entries.push(e);
    } catch (err) {
      seg.damaged = true;
      problems.add(
        err instanceof ArchiveError && err.file !== undefined
          ? err
          : fileError(ARCHIVE_ERROR_CODES.corruptRecord, seg.path, rec.offset, String(err), err),
      );
    }
  }
  if (scan.tailBytes > 0) await cut(seg.path, scan.end, scan.tailReason, problems);
  seg.recordsEnd = scan.end === 0 ? await restoreHeader(seg.path, 'seg') : scan.end;
  if (entries.length === 0) return;
  const rec = encodeRecord(RECORD_TYPES.index, encodeIndexEntries(entries));
  await appendSynced(seg.idxPath, rec, seg.idxOffset);
  seg.idxOffset += rec.length;
}

/** The index entry of one unindexed segment record (its chunk added to the catalog). */
function indexRecord(
  seg: SegmentState,
  rec: ScannedRecord,
  catalog: ArchiveCatalog,
): IndexEntry | undefined {
  const length = RECORD_HEADER_BYTES + rec.payload.length;
  if (rec.type === RECORD_TYPES.header && rec.offset === 0) {
    checkFileHeader(rec, 'seg', seg.path);
    return undefined;
  }
  if (rec.type === RECORD_TYPES.schemas) {
    const sets = decodeSchemas(rec.payload, seg.path, rec.offset);
    for (const d of sets) seg.versions.set(d.id, catalog.versionOf(d.set));
    return {
      kind: ENTRY_KINDS.schemas,
      localId: sets.length,
      count: 0,
      length,
      offset: rec.offset,
      tMin: 0,
      tMax: 0,
    };
  }
  if (rec.type !== RECORD_TYPES.chunk) throw new Error(`record type ${rec.type} in a segment`);
  const r = new ByteSource(rec.payload, 0, rec.payload.length, 'chunk record');
  const localId = r.varint();
  const c = new ChunkLayout().parse(rec.payload, r.pos, rec.payload.length);
  const version = seg.versions.get(localId);
  if (version === undefined)
    throw new Error(`chunk of set ${localId}, which no schemas record declares`);
  const e: IndexEntry = {
    kind: ENTRY_KINDS.chunk,
    localId,
    count: c.count,
    length,
    offset: rec.offset,
    tMin: c.tMin,
    tMax: c.tMax,
  };
  catalog.timeline(version.key).addDisk({ ...e, segment: seg, version, verified: true });
  seg.maxMs = Math.max(seg.maxMs, c.tMax);
  return e;
}
