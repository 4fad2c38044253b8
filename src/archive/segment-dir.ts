import { RAW_DIR, listSegments, writerAlive } from './archive-files.js';
import type { ArchiveCatalog } from './catalog.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, fileError } from './errors.js';
import type { ProblemLog } from './problem-log.js';
import type { SegmentReads } from './segment-reads.js';
import { SegmentState, loadIndexTail } from './segment-index.js';
import { tornTail } from './wal-cursor.js';

/**
 * One directory of segments (raw/, m1/ or h1/) as a reader sees it. Each
 * refresh lists the directory, reads the new part of every index, and drops
 * the segments retention deleted: their chunks leave the catalog and their
 * descriptors are closed. Until that refresh, queries still read a deleted
 * segment through a descriptor already open; one not open yet fails to
 * open and is skipped and reported like any unreadable chunk.
 */
export class SegmentDir {
  readonly #dir: string;
  readonly #sub: string;
  readonly #catalog: ArchiveCatalog;
  readonly #segments = new Map<string, SegmentState>();

  constructor(dir: string, catalog: ArchiveCatalog, sub = RAW_DIR) {
    this.#dir = dir;
    this.#catalog = catalog;
    this.#sub = sub;
  }

  /** Number of segments known. */
  get size(): number {
    return this.#segments.size;
  }

  /** Load what was appended; adds the keys of new chunks to `diskKeys`. */
  async refresh(problems: ProblemLog, reads: SegmentReads, diskKeys?: Set<string>): Promise<void> {
    const listed = new Set<string>();
    for (const name of await listSegments(this.#dir, this.#sub)) {
      listed.add(name.base);
      if (!this.#segments.has(name.base))
        this.#segments.set(name.base, new SegmentState(this.#dir, name, this.#sub));
    }
    let alive: boolean | undefined;
    for (const seg of [...this.#segments.values()]) {
      if (!listed.has(seg.base)) {
        this.#drop(seg, reads);
        continue;
      }
      try {
        const { chunks } = await loadIndexTail(seg, this.#catalog, problems);
        for (const c of chunks) diskKeys?.add(c.version.key);
      } catch (err) {
        // Deleted between the listing and the read: the next refresh drops it.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.add(asError(err, seg));
        continue;
      }
      if (seg.idxTail !== undefined && !(alive ??= await writerAlive(this.#dir))) {
        problems.add(tornTail(seg.idxPath, seg.idxTail.offset, seg.idxTail.reason));
      }
    }
  }

  #drop(seg: SegmentState, reads: SegmentReads): void {
    this.#catalog.dropSegment(seg);
    reads.forget(seg.path);
    this.#segments.delete(seg.base);
  }
}

function asError(err: unknown, seg: SegmentState): ArchiveError {
  if (err instanceof ArchiveError) return err;
  const what = err instanceof Error ? err.message : String(err);
  return fileError(ARCHIVE_ERROR_CODES.io, seg.idxPath, 0, what, err);
}
