import type { ChunkBuilder } from './chunk-builder.js';
import type { SetVersion } from './set-version.js';

/** A segment file as the read side names it. */
export interface SegmentSource {
  /** Path of the .seg file. */
  readonly path: string;
}

/** A sealed chunk on disk, as an index entry describes it. */
export interface DiskChunk {
  readonly segment: SegmentSource;
  /** File offset of the chunk record. */
  readonly offset: number;
  /** Bytes of the whole record (header included). */
  readonly length: number;
  /** Segment-local id of the set version. */
  readonly localId: number;
  readonly count: number;
  readonly tMin: number;
  readonly tMax: number;
  readonly version: SetVersion;
  /** Set once the record's checksum was checked. */
  verified: boolean;
}

/** A chunk body held in memory: sealed but not yet indexed (writer), or a WAL tail (reader). */
export interface MemoryChunk {
  readonly version: SetVersion;
  readonly body: Uint8Array;
  readonly count: number;
  readonly tMin: number;
  readonly tMax: number;
}

/**
 * Everything known about one set key: its versions, its sealed chunks in
 * time order, chunks still in memory, and the open chunk. Timestamps of a
 * key only grow, so the three lists follow one another in time; readers
 * still drop any point at or before one they already returned, which keeps
 * answers free of duplicates when a WAL tail and a new chunk overlap.
 */
export class SeriesTimeline {
  readonly key: string;
  readonly versions: SetVersion[] = [];
  readonly disk: DiskChunk[] = [];
  memory: MemoryChunk[] = [];
  open: ChunkBuilder | undefined;
  firstMs = Infinity;
  lastMs = -Infinity;
  /** Latest timestamp in a sealed chunk on disk. */
  diskMaxMs = -Infinity;
  #latest: SetVersion | undefined;
  #latestMs = -Infinity;

  constructor(key: string) {
    this.key = key;
  }

  /** The version of the most recent data: metric indexes of queries refer to its schema. */
  get latest(): SetVersion | undefined {
    return this.#latest;
  }

  /** Record that `version` holds data up to `tMaxMs`. */
  noteVersion(version: SetVersion, tMinMs: number, tMaxMs: number): void {
    if (!this.versions.includes(version)) this.versions.push(version);
    if (tMaxMs >= this.#latestMs || this.#latest === undefined) {
      this.#latest = version;
      this.#latestMs = tMaxMs;
    }
    if (tMinMs < this.firstMs) this.firstMs = tMinMs;
    if (tMaxMs > this.lastMs) this.lastMs = tMaxMs;
  }

  /** Add a sealed chunk, keeping the list ordered by first timestamp. */
  addDisk(chunk: DiskChunk): void {
    const d = this.disk;
    let i = d.length;
    while (i > 0 && d[i - 1]!.tMin > chunk.tMin) i--;
    if (i === d.length) d.push(chunk);
    else d.splice(i, 0, chunk);
    if (chunk.tMax > this.diskMaxMs) this.diskMaxMs = chunk.tMax;
    this.noteVersion(chunk.version, chunk.tMin, chunk.tMax);
  }

  /**
   * Drop the disk chunks of a deleted segment (retention); returns true if
   * any. `lastMs` stays: it is what duplicate detection compares against.
   */
  dropSegment(segment: SegmentSource): boolean {
    const n = this.disk.length;
    const kept = this.disk.filter((c) => c.segment !== segment);
    if (kept.length === n) return false;
    this.disk.splice(0, n, ...kept);
    let first = Infinity;
    for (const c of kept) first = Math.min(first, c.tMin);
    for (const m of this.memory) first = Math.min(first, m.tMin);
    if (this.open !== undefined && this.open.count > 0) first = Math.min(first, this.open.firstMs);
    this.firstMs = first;
    return true;
  }

  /** Index of the first disk chunk that may hold a point at or after `fromMs`. */
  firstDiskAtOrAfter(fromMs: number): number {
    const d = this.disk;
    let lo = 0;
    let hi = d.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid]!.tMin < fromMs) lo = mid + 1;
      else hi = mid;
    }
    // The chunk before may straddle fromMs (and, after damage, chunks may overlap).
    while (lo > 0 && d[lo - 1]!.tMax >= fromMs) lo--;
    return lo;
  }

  /** Number of disk chunks whose first timestamp is before `beforeMs`. */
  diskBefore(beforeMs: number): number {
    const d = this.disk;
    let lo = 0;
    let hi = d.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (d[mid]!.tMin < beforeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
