import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveCatalog } from './catalog.js';
import { BucketFeed } from './bucket-feed.js';
import { OpenChunks } from './open-chunks.js';
import type { ProblemLog } from './problem-log.js';
import { SegmentStore } from './segment-store.js';
import type { SetVersion } from './set-version.js';
import type { TierSpec } from './tier-schema.js';
import { recoverSegments } from './writer-recovery.js';

/**
 * The writer side of one downsampled tier: its own catalog (the same set
 * keys, derived schemas), a bucket feed, open tier chunks (one row per
 * bucket, visible to the writer's queries) and a segment store under the
 * tier's directory. Closed buckets become rows; full chunks are written by
 * the writer's seal loop with the raw ones.
 */
export class TierStore {
  readonly spec: TierSpec;
  readonly catalog = new ArchiveCatalog();
  readonly store: SegmentStore;
  readonly feed: BucketFeed;
  /** Called with every row stored, to feed the next coarser tier. */
  next: ((version: SetVersion, startMs: number, row: Float64Array) => void) | undefined;
  readonly #chunks: OpenChunks;

  private constructor(dir: string, spec: TierSpec, maxOpen: number) {
    this.spec = spec;
    this.store = new SegmentStore(dir, spec.segmentMs, maxOpen, spec.dir);
    // Chunks span at most chunkRows buckets, so a crash costs at most that much rebuilding.
    // (The aligned-span check in #insert seals them earlier still.)
    this.#chunks = new OpenChunks(this.catalog, spec.chunkRows, spec.chunkRows * spec.bucketMs - 1);
    this.feed = new BucketFeed(spec.bucketMs, (v, t, row) => this.#insert(v, t, row));
  }

  /** Load the tier's segments (recovering them like raw ones). */
  static async open(
    dir: string,
    spec: TierSpec,
    maxOpen: number,
    problems: ProblemLog,
  ): Promise<TierStore> {
    await mkdir(join(dir, spec.dir), { recursive: true });
    const t = new TierStore(dir, spec, maxOpen);
    await recoverSegments(dir, t.catalog, problems, t.store, spec.dir);
    return t;
  }

  /** Start of the first bucket of `key` not stored yet (-Infinity when none is). */
  resumeMs(key: string): number {
    const tl = this.catalog.timelines.get(key);
    return tl === undefined || tl.lastMs === -Infinity ? -Infinity : tl.lastMs + this.spec.bucketMs;
  }

  /** True when sealed tier chunks wait to be written. */
  pending(): boolean {
    return this.#chunks.ready.length > 0;
  }

  /** Seal every open tier chunk (flush/close): its rows are closed buckets, final already. */
  sealOpen(): void {
    this.#chunks.retireAged(0, true);
  }

  /** Write the sealed tier chunks; the caller serialises this with retention. */
  async writeReady(): Promise<number> {
    const batch = this.#chunks.ready;
    this.#chunks.ready = [];
    if (batch.length === 0) return 0;
    const disk = await this.store.write(batch.map((r) => r.chunk));
    batch.forEach((r, i) => {
      r.tl.memory = r.tl.memory.filter((m) => m !== r.chunk);
      r.tl.addDisk(disk[i]!);
    });
    return batch.length;
  }

  #insert(version: SetVersion, startMs: number, row: Float64Array): void {
    // Chunks cover aligned spans, so a query of one span reads one chunk per set.
    const span = this.spec.chunkRows * this.spec.bucketMs;
    const tl = this.catalog.timeline(version.key);
    const open = tl.open;
    if (
      open !== undefined &&
      open.count > 0 &&
      Math.floor(open.firstMs / span) !== Math.floor(startMs / span)
    ) {
      this.#chunks.retire(tl);
    }
    if (!this.#chunks.accept(version, startMs)) return;
    this.#chunks.insert(version, { timestampMs: startMs, values: row, strings: null }, 0, 0);
    this.next?.(version, startMs, row);
  }
}
