import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../common/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
import { checkItem } from './append-check.js';
import { RAW_DIR, WAL_DIR, acquireLock, releaseLock } from './archive-files.js';
import { ArchiveCatalog } from './catalog.js';
import type { ArchivedSet } from './catalog.js';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import { OpenChunks } from './open-chunks.js';
import { ProblemLog } from './problem-log.js';
import { SegmentReads } from './segment-reads.js';
import { SegmentStore } from './segment-store.js';
import { SeriesQuery } from './series-query.js';
import type { SetVersion } from './set-version.js';
import type { WalItem } from './wal-codec.js';
import { WalLog } from './wal-log.js';
import { expireStores, retentionOf } from './retention.js';
import { rangeTier, sourcesOf } from './tier-query.js';
import type { TierPoint } from './tier-query.js';
import type { TierName } from './tier-schema.js';
import { TierSet } from './tier-set.js';
import { recoverSegments, recoverWal } from './writer-recovery.js';
import { resolveWriterOptions } from './writer-options.js';
import type { ArchiveWriterOptions, ResolvedWriterOptions } from './writer-options.js';

/** One sample of one set, as appended. */
export interface AppendItem {
  readonly set: SetInstance;
  readonly sample: SetSample;
}

/** Figures of a writer since it opened. */
export interface ArchiveWriterStats {
  /** Bytes on disk: WAL files, segment files, index files. */
  readonly bytes: { readonly wal: number; readonly segments: number; readonly indexes: number };
  /** Bytes written to the WAL since open. */
  readonly walBytesWritten: number;
  readonly walFiles: number;
  readonly segmentFiles: number;
  readonly sets: number;
  /** Samples (set samples) and values accepted since open. */
  readonly samples: number;
  readonly values: number;
  /** Samples skipped as duplicates: at or before the set's latest stored timestamp. */
  readonly duplicates: number;
  readonly chunksSealed: number;
  readonly fsyncs: number;
  /** Duration of the last WAL sync. */
  readonly lastFsyncMs: number;
}

/**
 * The archive's single writer (docs/archive-format.md). `append` logs a
 * batch to the WAL and resolves once a sync covers it: an acknowledged
 * sample survives a crash. Samples also go into per-set open chunks, sealed
 * into segments in the background; a WAL file is deleted once all its
 * samples are in synced segments and indexes. The writer answers the same
 * queries as an ArchiveReader, over sealed, sealing and open chunks.
 */
export class ArchiveWriter {
  readonly dir: string;
  readonly #o: ResolvedWriterOptions;
  readonly #clock: Clock;
  readonly #catalog: ArchiveCatalog;
  readonly #problems: ProblemLog;
  readonly #store: SegmentStore;
  readonly #chunks: OpenChunks;
  readonly #wal: WalLog;
  readonly #reads = new SegmentReads();
  readonly #query: SeriesQuery;
  readonly #validated = new WeakSet<SetVersion>();
  readonly #tiers: TierSet | undefined;
  #sealing: Promise<void> | undefined;
  /** Segment writes and retention take turns: retention never deletes a file being written. */
  #lock: Promise<unknown> = Promise.resolve();
  #retainedAtMs = -Infinity;
  /** Latest sample time accepted since open: the periodic retention's "now" (see #arm). */
  #latestMs = -Infinity;
  /** Lowest WAL file of the batch being written to segments (Infinity when none). */
  #inflightWalSeq = Infinity;
  #timer: TimerHandle | undefined;
  #failed: ArchiveError | undefined;
  #closing = false;
  #samples = 0;
  #values = 0;
  #duplicates = 0;
  #chunksSealed = 0;

  private constructor(dir: string, o: ResolvedWriterOptions, parts: RecoveredParts) {
    this.dir = dir;
    this.#o = o;
    this.#clock = o.clock;
    this.#catalog = parts.catalog;
    this.#problems = parts.problems;
    this.#store = parts.store;
    this.#chunks = parts.chunks;
    this.#wal = parts.wal;
    this.#tiers = parts.tiers;
    this.#query = new SeriesQuery(this.#reads, (e) => this.#problems.add(e));
  }

  /**
   * Open (creating if needed) an archive directory for writing: take the
   * writer lock, recover (cut torn tails, index orphaned records, replay the
   * WAL) and start accepting appends.
   */
  static async open(dir: string, options: ArchiveWriterOptions = {}): Promise<ArchiveWriter> {
    const o = resolveWriterOptions(options);
    await mkdir(join(dir, WAL_DIR), { recursive: true });
    await mkdir(join(dir, RAW_DIR), { recursive: true });
    await acquireLock(dir);
    try {
      const catalog = new ArchiveCatalog();
      const problems = new ProblemLog();
      const store = new SegmentStore(dir, o.segmentMs, o.maxOpenSegments);
      const chunks = new OpenChunks(catalog, o.chunkSamples, o.chunkMaxAgeMs);
      await recoverSegments(dir, catalog, problems, store);
      const now = o.clock.now();
      const kept = await recoverWal(dir, problems, (set, sample, seq) => {
        const v = catalog.versionOf(set);
        if (chunks.accept(v, sample.timestampMs)) chunks.insert(v, sample, seq, now);
      });
      // Never reuse a sequence number: a reader may still hold a deleted file of that name.
      const firstSeq = kept.reduce((max, k) => Math.max(max, k.seq + 1), Date.now());
      const wal = new WalLog(
        {
          dir,
          firstSeq,
          syncIntervalMs: o.syncIntervalMs,
          fileBytes: o.walFileBytes,
          keyframeBytes: o.walKeyframeBytes,
        },
        kept.filter((k) => !k.keep),
      );
      const tiers = o.tiers ? await TierSet.open(dir, o.maxOpenSegments, problems) : undefined;
      const w = new ArchiveWriter(dir, o, { catalog, problems, store, chunks, wal, tiers });
      tiers?.rebuild(catalog, w.#query, w.#query);
      w.#arm();
      w.#kickSeal();
      return w;
    } catch (err) {
      await releaseLock(dir);
      throw err;
    }
  }

  /**
   * Store a batch. Resolves once the batch is durable (synced to the WAL).
   * Per set, timestamps only grow: a sample at or before the set's latest
   * stored one is a duplicate (a replay after a reconnect) and is skipped.
   * The whole batch is checked before any of it is taken.
   */
  append(items: readonly AppendItem[]): Promise<void> {
    try {
      this.#usable();
      const accepted = this.#newSamples(items);
      if (accepted.length === 0) return this.#wal.durable();
      // Encoding may still refuse the batch; nothing is taken before it succeeds.
      const { seq, durable } = this.#wal.append(accepted);
      const now = this.#clock.now();
      for (const a of accepted) {
        this.#chunks.accept(a.version, a.sample.timestampMs);
        this.#chunks.insert(a.version, a.sample, seq, now);
        this.#tiers?.add(a.version, a.sample);
        if (a.sample.timestampMs > this.#latestMs) this.#latestMs = a.sample.timestampMs;
        this.#values += a.sample.values.length;
      }
      this.#samples += accepted.length;
      if (this.#chunks.ready.length > 0 || this.#tiers?.pending()) this.#kickSeal();
      return durable;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Seal every open chunk and wait until segments, indexes and the WAL are synced. */
  async flush(): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.#chunks.retireAged(this.#clock.now(), true);
    this.#tiers?.sealOpen();
    this.#kickSeal();
    while (this.#sealing) await this.#sealing;
    if (this.#failed) throw this.#failed;
    await this.#wal.durable();
    await this.#dropSealedWal();
  }

  /**
   * Flush, then release the archive: WAL files are deleted when every sample
   * is sealed (after a failure they stay, for the next writer to replay).
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#timer?.cancel();
    let sealed = false;
    try {
      await this.flush();
      sealed = true;
    } catch {
      // The failure is already recorded; the WAL keeps what was not sealed.
    }
    await this.#wal.close(sealed);
    await this.#store.close();
    await this.#tiers?.close();
    this.#reads.close();
    await releaseLock(this.dir);
  }

  stats(): ArchiveWriterStats {
    const wal = this.#wal.files();
    const seg = this.#store.bytes();
    return {
      bytes: { wal: wal.bytes, segments: seg.segments, indexes: seg.indexes },
      walBytesWritten: this.#wal.counters.bytesWritten,
      walFiles: wal.count,
      segmentFiles: this.#store.segments.size,
      sets: this.#catalog.timelines.size,
      samples: this.#samples,
      values: this.#values,
      duplicates: this.#duplicates,
      chunksSealed: this.#chunksSealed,
      fsyncs: this.#wal.counters.fsyncs + this.#store.counters.fsyncs,
      lastFsyncMs: this.#wal.counters.lastFsyncMs,
    };
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
   * first. The tiers hold closed buckets: the current minute and hour come
   * from raw (see pickTier).
   */
  rangeTier(
    key: string,
    metric: number | string,
    fromMs: number,
    toMs: number,
    tier: TierName,
  ): TierPoint[] {
    const src = sourcesOf(this.#catalog, this.#query, (t) => this.#tiers?.store(t).catalog);
    return rangeTier(src, key, metric, fromMs, toMs, tier);
  }

  /**
   * Delete the segment files (raw and tiers) whose data is all older than
   * their retention before `nowMs`; appends go on meanwhile (only segment
   * writes wait). Runs every `retentionCheckMs` on its own, with `nowMs`
   * the latest sample time appended (at most the wall clock). Returns the
   * number of segments deleted.
   */
  enforceRetention(nowMs: number): Promise<number> {
    const raw = { store: this.#store, catalog: this.#catalog, segmentMs: this.#o.segmentMs };
    const stores = [{ ...raw, keepMs: this.#o.retention.rawMs }];
    for (const t of this.#tiers?.stores ?? []) {
      const keepMs = retentionOf(this.#o.retention, t.spec.name);
      stores.push({ store: t.store, catalog: t.catalog, segmentMs: t.spec.segmentMs, keepMs });
    }
    return this.#exclusive(() => expireStores(stores, this.#reads, nowMs));
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** Damage found (and torn tails cut) since open, each with file and offset. */
  problems(): readonly ArchiveError[] {
    return this.#problems.list();
  }

  #usable(): void {
    if (this.#closing)
      throw new ArchiveError(ARCHIVE_ERROR_CODES.closed, `${this.dir}: archive writer is closed`);
    const failed = this.#failed ?? this.#wal.failed;
    if (failed) throw failed;
  }

  /** The items that are new for their set, in order; checks every item first. */
  #newSamples(items: readonly AppendItem[]): WalItem[] {
    const versions = items.map((it) => checkItem(this.#catalog, this.#validated, it));
    const latest = new Map<string, number>();
    const accepted: WalItem[] = [];
    items.forEach((it, i) => {
      const version = versions[i]!;
      const t = it.sample.timestampMs;
      const last =
        latest.get(version.key) ?? this.#catalog.timelines.get(version.key)?.lastMs ?? -Infinity;
      if (t > last) {
        accepted.push({ version, sample: it.sample });
        latest.set(version.key, t);
      } else this.#duplicates++;
    });
    return accepted;
  }

  #kickSeal(): void {
    // The loop must reach an await before it can clear #sealing: start it only with work.
    if (this.#sealing || this.#failed) return;
    if (this.#chunks.ready.length === 0 && this.#tiers?.pending() !== true) return;
    this.#sealing = this.#sealLoop();
  }

  /**
   * Write retired chunks batch by batch; never rejects (a failure stops the
   * writer). The loop clears #sealing itself, in the tick it finds nothing
   * ready, so a chunk retired right after starts a new loop.
   */
  async #sealLoop(): Promise<void> {
    for (;;) {
      if ((this.#chunks.ready.length === 0 && this.#tiers?.pending() !== true) || this.#failed) {
        this.#sealing = undefined;
        return;
      }
      const batch = this.#chunks.ready;
      this.#chunks.ready = [];
      this.#inflightWalSeq = batch.reduce((min, r) => Math.min(min, r.walSeq), Infinity);
      try {
        const disk = await this.#exclusive(() => this.#store.write(batch.map((r) => r.chunk)));
        this.#inflightWalSeq = Infinity;
        batch.forEach((r, i) => {
          r.tl.memory = r.tl.memory.filter((m) => m !== r.chunk);
          r.tl.addDisk(disk[i]!);
        });
        this.#chunksSealed += batch.length;
        if (this.#tiers !== undefined) await this.#exclusive(() => this.#tiers!.writeReady());
        await this.#dropSealedWal();
      } catch (err) {
        this.#fail(err);
      }
    }
  }

  /** Delete the WAL files no open, sealing or in-flight chunk needs any more. */
  async #dropSealedWal(): Promise<void> {
    const needed = Math.min(this.#chunks.minWalSeq(), this.#inflightWalSeq, this.#wal.currentSeq);
    await this.#wal.deleteBefore(needed);
  }

  #fail(err: unknown): void {
    this.#failed ??=
      err instanceof ArchiveError && err.code === ARCHIVE_ERROR_CODES.io
        ? err
        : new ArchiveError(ARCHIVE_ERROR_CODES.io, `${this.dir}: sealing failed: ${String(err)}`, {
            cause: err,
          });
    this.#o.onError(this.#failed);
  }

  /** The age check: chunks open for chunkMaxAgeMs of wall-clock time are sealed. */
  #arm(): void {
    const period = Math.max(50, Math.min(this.#o.chunkMaxAgeMs / 4, 10_000));
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#closing) return;
      const now = this.#clock.now();
      this.#chunks.retireAged(now);
      this.#kickSeal();
      if (now - this.#retainedAtMs >= this.#o.retentionCheckMs && this.#latestMs > -Infinity) {
        this.#retainedAtMs = now;
        // Sample time, capped by the wall clock: replayed or synthetic old data is
        // not wiped on arrival, and one bogus future timestamp cannot wipe the rest.
        const at = Math.min(now, this.#latestMs);
        this.enforceRetention(at).catch((err: unknown) => this.#problems.add(asIoError(err)));
      }
      this.#arm();
    }, period);
  }
}

interface RecoveredParts {
  readonly catalog: ArchiveCatalog;
  readonly problems: ProblemLog;
  readonly store: SegmentStore;
  readonly chunks: OpenChunks;
  readonly wal: WalLog;
  readonly tiers: TierSet | undefined;
}

function asIoError(err: unknown): ArchiveError {
  return err instanceof ArchiveError
    ? err
    : new ArchiveError(ARCHIVE_ERROR_CODES.io, `retention failed: ${String(err)}`, { cause: err });
}
