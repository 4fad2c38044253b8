import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { SetInstance, SetSample } from '../model/index.js';
import { RAW_DIR, WAL_DIR, listWal, writerAlive } from './archive-files.js';
import { ArchiveCatalog } from './catalog.js';
import type { ArchivedSet } from './catalog.js';
import { ByteSink } from './byte-io.js';
import { ChunkBuilder } from './chunk-builder.js';
import { ARCHIVE_ERROR_CODES, ArchiveError, fileError } from './errors.js';
import { ProblemLog } from './problem-log.js';
import { SegmentReads } from './segment-reads.js';
import { SegmentDir } from './segment-dir.js';
import { SeriesQuery } from './series-query.js';
import type { ArchivedSample } from './series-query.js';
import type { SeriesTimeline } from './series-timeline.js';
import { rangeTier, sourcesOf } from './tier-query.js';
import type { TierPoint } from './tier-query.js';
import { HOUR_TIER, MINUTE_TIER } from './tier-schema.js';
import type { DownsampledTier, TierName } from './tier-schema.js';
import { WalCursor, tornTail } from './wal-cursor.js';

/** A downsampled tier as a reader holds it. */
interface ReaderTier {
  readonly name: DownsampledTier;
  readonly catalog: ArchiveCatalog;
  readonly dir: SegmentDir;
}

/** Options of ArchiveReader.open. */
export interface ArchiveReaderOptions {
  /** Samples per in-memory chunk of the WAL tail (default 300). */
  readonly chunkSamples?: number;
}

/** Options of follow(). */
export interface FollowOptions {
  /** Poll period when file-system events are missed or unavailable (default 200 ms). */
  readonly pollMs?: number;
  /** Called when a refresh fails (the follower keeps going). */
  readonly onError?: (err: unknown) => void;
}

interface Follower {
  deliver(fresh: readonly ArchivedSample[], diskKeys: ReadonlySet<string>): void;
}

/**
 * Reads an archive, also while another process writes it. `open` loads the
 * segment indexes and schemas (not the data) and decodes the WAL, so samples
 * not yet sealed are visible; `refresh` picks up what was appended since
 * (nothing is reopened: per-file offsets and decoder state are kept);
 * `follow` refreshes on file-system events and a poll timer and hands new
 * samples to a callback. A reader never modifies a file: damage is skipped
 * and listed by `problems()`.
 */
export class ArchiveReader {
  readonly dir: string;
  readonly #catalog = new ArchiveCatalog();
  readonly #problems = new ProblemLog();
  readonly #reads = new SegmentReads();
  readonly #query = new SeriesQuery(this.#reads, (e) => this.#problems.add(e));
  readonly #raw: SegmentDir;
  readonly #tiers: readonly ReaderTier[];
  readonly #wal = new Map<number, WalCursor>();
  readonly #chunkSamples: number;
  readonly #sink = new ByteSink(4096);
  readonly #followers = new Set<Follower>();
  readonly #stoppers = new Set<() => void>();
  #refreshing: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(dir: string, options: ArchiveReaderOptions) {
    this.dir = dir;
    this.#chunkSamples = options.chunkSamples ?? 300;
    this.#raw = new SegmentDir(dir, this.#catalog);
    this.#tiers = [MINUTE_TIER, HOUR_TIER].map((spec) => {
      const catalog = new ArchiveCatalog();
      return { name: spec.name, catalog, dir: new SegmentDir(dir, catalog, spec.dir) };
    });
  }

  /** Open an archive directory for reading. */
  static async open(dir: string, options: ArchiveReaderOptions = {}): Promise<ArchiveReader> {
    const r = new ArchiveReader(dir, options);
    await r.refresh();
    return r;
  }

  /** Load whatever was appended since the last refresh. Calls are serialised. */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError());
    const run = this.#refreshing.then(() => this.#refreshOnce());
    this.#refreshing = run.catch(() => undefined);
    return run;
  }

  async #refreshOnce(): Promise<void> {
    if (this.#closed) return;
    const diskKeys = new Set<string>();
    await this.#refreshSegments(diskKeys);
    const fresh = await this.#refreshWal();
    for (const key of diskKeys) trimTail(this.#catalog.timeline(key));
    for (const f of this.#followers) f.deliver(fresh, diskKeys);
  }

  async #refreshSegments(diskKeys: Set<string>): Promise<void> {
    await this.#raw.refresh(this.#problems, this.#reads, diskKeys);
    for (const t of this.#tiers) await t.dir.refresh(this.#problems, this.#reads);
  }

  /**
   * List the WAL directory first, then read every file in order to its end:
   * a file is complete once a later one exists, so reading after listing
   * never skips the last records of a file the writer has moved past.
   */
  async #refreshWal(): Promise<ArchivedSample[]> {
    const listed = new Set(await listWal(this.dir));
    for (const seq of listed) {
      if (this.#wal.has(seq)) continue;
      const cursor = new WalCursor(this.dir, seq);
      if (await cursor.open()) this.#wal.set(seq, cursor);
    }
    const fresh: ArchivedSample[] = [];
    const keep = this.#followers.size > 0;
    const seqs = [...this.#wal.keys()].sort((a, b) => a - b);
    let alive: boolean | undefined;
    for (const seq of seqs) {
      const cursor = this.#wal.get(seq)!;
      try {
        await cursor.read(this.#problems, (set, sample) => {
          const accepted = this.#acceptTail(set, sample);
          if (accepted !== undefined && keep) fresh.push(accepted);
        });
      } catch (err) {
        this.#problems.add(asArchiveError(err, cursor.path));
      }
      if (!listed.has(seq)) {
        // Deleted by the writer: everything in it is sealed, and it was read to its end.
        await cursor.close();
        this.#wal.delete(seq);
      } else if (cursor.tail !== undefined && !(alive ??= await writerAlive(this.dir))) {
        this.#problems.add(tornTail(cursor.path, cursor.tail.offset, cursor.tail.reason));
      }
    }
    return fresh;
  }

  /** Add a WAL sample to its key's tail, unless the key already has data at or after it. */
  #acceptTail(set: SetInstance, sample: SetSample): ArchivedSample | undefined {
    const version = this.#catalog.versionOf(set);
    const tl = this.#catalog.timeline(version.key);
    const t = sample.timestampMs;
    if (!(t > tl.lastMs)) return undefined;
    let open = tl.open;
    if (open !== undefined && (open.version !== version || open.count >= this.#chunkSamples)) {
      this.#sealTail(tl, open);
      open = undefined;
    }
    if (open === undefined) tl.open = open = new ChunkBuilder(version, this.#chunkSamples);
    if (!open.append(t, sample.values, sample.strings)) {
      this.#sealTail(tl, open);
      open.append(t, sample.values, sample.strings);
    }
    tl.noteVersion(version, t, t);
    return { key: version.key, set: version.set, sample };
  }

  #sealTail(tl: SeriesTimeline, b: ChunkBuilder): void {
    if (b.count === 0) return;
    const { firstMs, lastMs, count } = b;
    this.#sink.reset();
    b.seal(this.#sink);
    tl.memory.push({
      version: b.version,
      body: this.#sink.view().slice(),
      count,
      tMin: firstMs,
      tMax: lastMs,
    });
  }

  /**
   * Call `onSamples` with the samples that appear from now on (per set, in
   * time order, each once), within about one poll period of their write:
   * file-system events trigger a refresh at once, the timer catches what
   * events miss. Returns a function that stops following.
   */
  follow(onSamples: (samples: ArchivedSample[]) => void, options: FollowOptions = {}): () => void {
    const pollMs = options.pollMs ?? 200;
    const onError = options.onError ?? (() => undefined);
    const delivered = new Map<string, number>();
    for (const tl of this.#catalog.timelines.values()) delivered.set(tl.key, tl.lastMs);
    const follower: Follower = {
      deliver: (fresh, diskKeys) => {
        const out = this.#collect(delivered, fresh, diskKeys);
        if (out.length > 0) onSamples(out);
      },
    };
    this.#followers.add(follower);
    let pending = false;
    const kick = (): void => {
      if (pending || this.#closed) return;
      pending = true;
      setTimeout(() => {
        pending = false;
        this.refresh().catch(onError);
      }, 5).unref();
    };
    const watchers: FSWatcher[] = [];
    for (const sub of [WAL_DIR, RAW_DIR]) {
      try {
        watchers.push(
          watch(join(this.dir, sub), { persistent: false }, kick).on('error', () => undefined),
        );
      } catch {
        // No events (missing directory, no inotify): the poll timer still works.
      }
    }
    const timer = setInterval(kick, pollMs);
    timer.unref();
    const stop = (): void => {
      clearInterval(timer);
      for (const w of watchers) w.close();
      this.#followers.delete(follower);
      this.#stoppers.delete(stop);
    };
    this.#stoppers.add(stop);
    return stop;
  }

  /** New samples for one follower: from new sealed chunks it has not seen, then from the WAL. */
  #collect(
    delivered: Map<string, number>,
    fresh: readonly ArchivedSample[],
    diskKeys: ReadonlySet<string>,
  ): ArchivedSample[] {
    const out: ArchivedSample[] = [];
    for (const key of diskKeys) {
      const tl = this.#catalog.timeline(key);
      const d = delivered.get(key) ?? -Infinity;
      if (!(tl.diskMaxMs > d)) continue;
      const rows = this.#query.rows(tl, d);
      out.push(...rows);
      if (rows.length > 0) delivered.set(key, rows[rows.length - 1]!.sample.timestampMs);
    }
    for (const s of fresh) {
      const d = delivered.get(s.key) ?? -Infinity;
      if (!(s.sample.timestampMs > d)) continue;
      out.push(s);
      delivered.set(s.key, s.sample.timestampMs);
    }
    return out;
  }

  /** Every set with data: latest instance and time span. */
  sets(): ArchivedSet[] {
    return this.#catalog.sets();
  }

  /** Points of metric `metric` (index in the set's latest schema) with fromMs ≤ t ≤ toMs, oldest first. */
  range(
    key: string,
    metric: number,
    fromMs: number,
    toMs: number,
    limit?: number,
  ): [number, number][] {
    const tl = this.#catalog.timelines.get(key);
    return tl === undefined ? [] : this.#query.range(tl, metric, fromMs, toMs, limit);
  }

  /** Up to `limit` points with t < beforeMs, newest first. */
  rangeBackward(key: string, metric: number, beforeMs: number, limit: number): [number, number][] {
    const tl = this.#catalog.timelines.get(key);
    return tl === undefined ? [] : this.#query.rangeBackward(tl, metric, beforeMs, limit);
  }

  /** Values of a string metric with fromMs ≤ t ≤ toMs. */
  rangeStrings(
    key: string,
    metric: number,
    fromMs: number,
    toMs: number,
  ): [number, string | undefined][] {
    const tl = this.#catalog.timelines.get(key);
    return tl === undefined ? [] : this.#query.rangeStrings(tl, metric, fromMs, toMs);
  }

  /**
   * Buckets of metric `metric` (a name, or an index in the set's latest raw
   * schema) of set `key` with fromMs ≤ t ≤ toMs from store `tier`, oldest
   * first. A reader sees tier rows once their chunk is written (the writer
   * writes them when a chunk of rows fills, and on flush and close).
   */
  rangeTier(
    key: string,
    metric: number | string,
    fromMs: number,
    toMs: number,
    tier: TierName,
  ): TierPoint[] {
    const sources = sourcesOf(
      this.#catalog,
      this.#query,
      (name) => this.#tiers.find((x) => x.name === name)?.catalog,
    );
    return rangeTier(sources, key, metric, fromMs, toMs, tier);
  }

  /** Damage found so far (each with file and offset), oldest first. */
  problems(): readonly ArchiveError[] {
    return this.#problems.list();
  }

  /** Stop following, close every file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#refreshing;
    this.#closed = true;
    for (const stop of [...this.#stoppers]) stop();
    for (const c of this.#wal.values()) await c.close();
    this.#wal.clear();
    this.#reads.close();
  }
}

/** Drop WAL-tail chunks that sealed chunks now cover. */
function trimTail(tl: SeriesTimeline): void {
  if (tl.memory.length > 0) tl.memory = tl.memory.filter((m) => m.tMax > tl.diskMaxMs);
  if (tl.open !== undefined && tl.open.count > 0 && tl.open.lastMs <= tl.diskMaxMs) {
    tl.open = undefined;
  }
}

function asArchiveError(err: unknown, file: string): ArchiveError {
  if (err instanceof ArchiveError) return err;
  return fileError(
    ARCHIVE_ERROR_CODES.io,
    file,
    0,
    err instanceof Error ? err.message : String(err),
    err,
  );
}

function closedError(): ArchiveError {
  return new ArchiveError(ARCHIVE_ERROR_CODES.closed, 'archive reader is closed');
}
