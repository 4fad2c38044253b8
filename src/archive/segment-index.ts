import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RAW_DIR } from './archive-files.js';
import type { SegmentName } from './archive-files.js';
import type { ArchiveCatalog } from './catalog.js';
import { ARCHIVE_ERROR_CODES, fileError } from './errors.js';
import type { ArchiveError, ArchiveErrorCode } from './errors.js';
import { fileSize, readFrom, readRange } from './file-read.js';
import { ENTRY_KINDS, decodeIndexEntries } from './index-entry.js';
import type { IndexEntry } from './index-entry.js';
import type { ProblemLog } from './problem-log.js';
import {
  RECORD_HEADER_BYTES,
  RECORD_TYPES,
  checkFileHeader,
  checkRecord,
  scanRecords,
} from './record-format.js';
import type { ScannedRecord } from './record-format.js';
import { decodeSchemas } from './schema-record.js';
import type { DiskChunk, SegmentSource } from './series-timeline.js';
import type { SetVersion } from './set-version.js';

/**
 * What is known of one segment and its index file. The index is read
 * incrementally: `idxOffset` is where the next read resumes.
 */
export class SegmentState implements SegmentSource {
  readonly startMs: number;
  readonly part: number;
  readonly base: string;
  /** The .seg file. */
  readonly path: string;
  readonly idxPath: string;
  /** Bytes of the index consumed (the end of its last whole record). */
  idxOffset = 0;
  /** Size and mtime of the index file when it was last read. */
  idxSignature = '';
  /** Where the index's incomplete tail starts, when it has one. */
  idxTail: { offset: number; reason: string } | undefined;
  /** Segment-local set ids. */
  readonly versions = new Map<number, SetVersion>();
  /** End of the last segment record the index points at. */
  recordsEnd = 0;
  /** Damage found: a writer appends to a new part instead. */
  damaged = false;
  /** Latest timestamp of any chunk indexed so far: retention deletes by it. */
  maxMs = -Infinity;

  /** `sub` is the directory of the segment's tier (raw/, m1/, h1/). */
  constructor(dir: string, name: SegmentName, sub = RAW_DIR) {
    this.startMs = name.startMs;
    this.part = name.part;
    this.base = name.base;
    this.path = join(dir, sub, `${name.base}.seg`);
    this.idxPath = join(dir, sub, `${name.base}.idx`);
  }
}

/** What one pass over an index's new bytes found. */
export interface IndexLoad {
  readonly chunks: DiskChunk[];
  /** Records (schemas and chunks) the entries point at. */
  readonly entries: IndexEntry[];
}

/**
 * Read the index records appended since the last call and add their chunks
 * to the catalog's timelines. Damage is reported to `problems` and skipped;
 * an incomplete tail is left for the next call (or for the writer to cut).
 */
export async function loadIndexTail(
  seg: SegmentState,
  catalog: ArchiveCatalog,
  problems: ProblemLog,
): Promise<IndexLoad> {
  const loaded: IndexLoad = { chunks: [], entries: [] };
  // Size and modification time: a writer that cut a torn tail and appended
  // again may bring the file back to the same size, never to the same mtime.
  const st = await stat(seg.idxPath).catch(() => undefined);
  const signature = st === undefined ? 'missing' : `${st.size}/${st.mtimeMs}`;
  if (signature === seg.idxSignature) return loaded; // nothing changed since the last read
  seg.idxSignature = signature;
  const bytes = await readFrom(seg.idxPath, seg.idxOffset);
  const scan = scanRecords(bytes, seg.idxOffset);
  if (seg.idxOffset === 0 && bytes.length > 0) {
    checkHeader(seg, scan.records[0], scan.corrupt[0]?.offset, problems);
  }
  for (const c of scan.corrupt) {
    damage(
      seg,
      problems,
      ARCHIVE_ERROR_CODES.corruptRecord,
      seg.idxPath,
      c.offset,
      `${c.reason}; ${c.length} bytes skipped`,
    );
  }
  // The segment is synced before its index: every entry read here points at
  // bytes already in the .seg, so a shorter .seg is damage, not a race.
  const segSize = await fileSize(seg.path);
  for (const rec of scan.records) {
    for (const e of entriesOf(seg, rec, problems)) {
      const chunk = await applyEntry(seg, e, segSize, catalog, problems, rec.offset);
      if (chunk !== undefined) loaded.chunks.push(chunk);
      loaded.entries.push(e);
    }
  }
  seg.idxOffset = scan.end;
  seg.idxTail = scan.tailBytes > 0 ? { offset: scan.end, reason: scan.tailReason } : undefined;
  return loaded;
}

/** Record damage: the segment is no longer appended to. */
function damage(
  seg: SegmentState,
  problems: ProblemLog,
  code: ArchiveErrorCode,
  file: string,
  offset: number,
  what: string,
): undefined {
  seg.damaged = true;
  problems.add(fileError(code, file, offset, what));
  return undefined;
}

/** The entries of one index-file record (none for the header or a damaged record). */
function entriesOf(seg: SegmentState, rec: ScannedRecord, problems: ProblemLog): IndexEntry[] {
  if (rec.type === RECORD_TYPES.header) return [];
  if (rec.type !== RECORD_TYPES.index) {
    damage(
      seg,
      problems,
      ARCHIVE_ERROR_CODES.corruptRecord,
      seg.idxPath,
      rec.offset,
      `record type ${rec.type} in an index`,
    );
    return [];
  }
  try {
    return decodeIndexEntries(rec.payload, seg.idxPath, rec.offset);
  } catch (err) {
    seg.damaged = true;
    problems.add(err as ArchiveError);
    return [];
  }
}

/** A wrong format or version throws; a missing header is reported and the records still read. */
function checkHeader(
  seg: SegmentState,
  first: ScannedRecord | undefined,
  firstCorrupt: number | undefined,
  problems: ProblemLog,
): void {
  if (first?.offset === 0 && first.type === RECORD_TYPES.header) {
    checkFileHeader(first, 'idx', seg.idxPath);
    return;
  }
  seg.damaged = true;
  if (firstCorrupt !== 0) {
    problems.add(
      fileError(
        ARCHIVE_ERROR_CODES.corruptRecord,
        seg.idxPath,
        0,
        'index file has no header record',
      ),
    );
  }
}

/** Apply one entry: learn the schemas it points at, or add the chunk it describes. */
async function applyEntry(
  seg: SegmentState,
  e: IndexEntry,
  segSize: number,
  catalog: ArchiveCatalog,
  problems: ProblemLog,
  at: number,
): Promise<DiskChunk | undefined> {
  if (e.offset + e.length > segSize) {
    const what = `index entry (${seg.idxPath}@${at}) points past the end of the segment (${segSize} bytes)`;
    return damage(seg, problems, ARCHIVE_ERROR_CODES.indexMismatch, seg.path, e.offset, what);
  }
  seg.recordsEnd = Math.max(seg.recordsEnd, e.offset + e.length);
  if (e.kind === ENTRY_KINDS.schemas) {
    await applySchemas(seg, e, catalog, problems);
    return undefined;
  }
  const version = seg.versions.get(e.localId);
  if (version === undefined) {
    const what = `chunk of set ${e.localId}, which no readable schemas record declares`;
    return damage(seg, problems, ARCHIVE_ERROR_CODES.indexMismatch, seg.path, e.offset, what);
  }
  if (e.tMax > seg.maxMs) seg.maxMs = e.tMax;
  const chunk: DiskChunk = {
    segment: seg,
    offset: e.offset,
    length: e.length,
    localId: e.localId,
    count: e.count,
    tMin: e.tMin,
    tMax: e.tMax,
    version,
    verified: false,
  };
  catalog.timeline(version.key).addDisk(chunk);
  return chunk;
}

/** Read a schemas record and map its segment-local ids to set versions. */
async function applySchemas(
  seg: SegmentState,
  e: IndexEntry,
  catalog: ArchiveCatalog,
  problems: ProblemLog,
): Promise<void> {
  const rec = await readRange(seg.path, e.offset, e.length);
  const why = checkRecord(rec, RECORD_TYPES.schemas);
  if (why !== '') {
    damage(
      seg,
      problems,
      ARCHIVE_ERROR_CODES.corruptRecord,
      seg.path,
      e.offset,
      `schemas record: ${why}`,
    );
    return;
  }
  try {
    for (const d of decodeSchemas(rec.subarray(RECORD_HEADER_BYTES), seg.path, e.offset)) {
      seg.versions.set(d.id, catalog.versionOf(d.set));
    }
  } catch (err) {
    seg.damaged = true;
    problems.add(err as ArchiveError);
  }
}
