import type { SetSample } from '../model/index.js';
import type { ArchiveCatalog } from './catalog.js';
import { ByteSink } from './byte-io.js';
import { ChunkBuilder } from './chunk-builder.js';
import type { MemoryChunk, SeriesTimeline } from './series-timeline.js';
import type { SetVersion } from './set-version.js';

/** A sealed chunk waiting to be written, with the first WAL file holding its samples. */
export interface ReadyChunk {
  readonly tl: SeriesTimeline;
  readonly chunk: MemoryChunk;
  readonly walSeq: number;
}

/**
 * The writer's open chunks: one ChunkBuilder per set key, fed with accepted
 * samples. A chunk is retired (sealed in memory, queued for the segment
 * store, still visible to queries as a memory chunk) when it is full, when a
 * sample would stretch it beyond `maxAgeMs` of sample time, when it has been
 * open `maxAgeMs` of wall-clock time, or when the key's schema changes — so
 * a key's chunks follow one another in time.
 */
export class OpenChunks {
  readonly #catalog: ArchiveCatalog;
  readonly #chunkSamples: number;
  readonly #maxAgeMs: number;
  readonly #sink = new ByteSink(64 * 1024);
  /** Retired chunks not yet handed to the segment store. */
  ready: ReadyChunk[] = [];

  constructor(catalog: ArchiveCatalog, chunkSamples: number, maxAgeMs: number) {
    this.#catalog = catalog;
    this.#chunkSamples = chunkSamples;
    this.#maxAgeMs = maxAgeMs;
  }

  /**
   * True when the sample is new for its key (later than anything stored);
   * the key then counts it as its latest. False for a duplicate.
   */
  accept(version: SetVersion, timestampMs: number): boolean {
    const tl = this.#catalog.timeline(version.key);
    if (!(timestampMs > tl.lastMs)) return false;
    tl.noteVersion(version, timestampMs, timestampMs);
    return true;
  }

  /** Add an accepted sample, logged in WAL file `walSeq`, at wall-clock `nowMs`. */
  insert(version: SetVersion, sample: SetSample, walSeq: number, nowMs: number): void {
    const tl = this.#catalog.timeline(version.key);
    let b = tl.open;
    if (b !== undefined && b.version !== version) {
      this.retire(tl);
      b = undefined;
    }
    if (b === undefined) tl.open = b = new ChunkBuilder(version, this.#chunkSamples);
    const t = sample.timestampMs;
    if (b.count > 0 && t - b.firstMs > this.#maxAgeMs) this.retire(tl);
    if (b.count === 0) {
      b.walSeq = walSeq;
      b.openedAtMs = nowMs;
    }
    if (!b.append(t, sample.values, sample.strings)) {
      this.retire(tl);
      b.walSeq = walSeq;
      b.openedAtMs = nowMs;
      b.append(t, sample.values, sample.strings);
    }
    if (b.count >= this.#chunkSamples) this.retire(tl);
  }

  /** Seal the key's open chunk into memory and queue it. */
  retire(tl: SeriesTimeline): void {
    const b = tl.open;
    if (b === undefined || b.count === 0) return;
    const { firstMs, lastMs, count, walSeq } = b;
    this.#sink.reset();
    b.seal(this.#sink);
    const chunk: MemoryChunk = {
      version: b.version,
      body: this.#sink.view().slice(),
      count,
      tMin: firstMs,
      tMax: lastMs,
    };
    tl.memory.push(chunk);
    this.ready.push({ tl, chunk, walSeq });
  }

  /** Retire chunks open for `maxAgeMs` of wall-clock time (every chunk when `all`). */
  retireAged(nowMs: number, all = false): void {
    for (const tl of this.#catalog.timelines.values()) {
      const b = tl.open;
      if (b !== undefined && b.count > 0 && (all || nowMs - b.openedAtMs >= this.#maxAgeMs))
        this.retire(tl);
    }
  }

  /** Lowest WAL file holding a sample not yet sealed to disk (Infinity when none). */
  minWalSeq(): number {
    let min = Infinity;
    for (const r of this.ready) min = Math.min(min, r.walSeq);
    for (const tl of this.#catalog.timelines.values()) {
      const b = tl.open;
      if (b !== undefined && b.count > 0) min = Math.min(min, b.walSeq);
    }
    return min;
  }
}
