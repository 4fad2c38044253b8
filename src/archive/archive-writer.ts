import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../common/index.js';
import { validateSetInstance } from '../model/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
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
  #sealing: Promise<void> | undefined;
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
      const w = new ArchiveWriter(dir, o, { catalog, problems, store, chunks, wal });
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
        this.#values += a.sample.values.length;
      }
      this.#samples += accepted.length;
      if (this.#chunks.ready.length > 0) this.#kickSeal();
      return durable;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Seal every open chunk and wait until segments, indexes and the WAL are synced. */
  async flush(): Promise<void> {
    if (this.#failed) throw this.#failed;
    this.#chunks.retireAged(this.#clock.now(), true);
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
    const versions = items.map((it) => this.#check(it));
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

  /** The item's set version, after checking the set once and the sample every time. */
  #check(it: AppendItem): SetVersion {
    let version: SetVersion;
    try {
      version = this.#catalog.versionOf(it.set);
    } catch (err) {
      throw invalid(`not a set instance: ${String(err)}`, err);
    }
    if (!this.#validated.has(version)) {
      try {
        validateSetInstance(version.set);
      } catch (err) {
        throw invalid(`${version.key}: ${String(err)}`, err);
      }
      this.#validated.add(version);
    }
    const { timestampMs, values } = it.sample;
    if (values.length !== version.set.schema.metrics.length) {
      throw invalid(
        `${version.key}: sample has ${values.length} values, the schema ${version.set.schema.metrics.length}`,
      );
    }
    if (!Number.isSafeInteger(timestampMs))
      throw invalid(`${version.key}: timestamp ${timestampMs} is not a safe integer`);
    return version;
  }

  #kickSeal(): void {
    // The loop must reach an await before it can clear #sealing: start it only with work.
    if (this.#sealing || this.#failed || this.#chunks.ready.length === 0) return;
    this.#sealing = this.#sealLoop();
  }

  /**
   * Write retired chunks batch by batch; never rejects (a failure stops the
   * writer). The loop clears #sealing itself, in the tick it finds nothing
   * ready, so a chunk retired right after starts a new loop.
   */
  async #sealLoop(): Promise<void> {
    for (;;) {
      if (this.#chunks.ready.length === 0 || this.#failed) {
        this.#sealing = undefined;
        return;
      }
      const batch = this.#chunks.ready;
      this.#chunks.ready = [];
      this.#inflightWalSeq = batch.reduce((min, r) => Math.min(min, r.walSeq), Infinity);
      try {
        const disk = await this.#store.write(batch.map((r) => r.chunk));
        this.#inflightWalSeq = Infinity;
        batch.forEach((r, i) => {
          r.tl.memory = r.tl.memory.filter((m) => m !== r.chunk);
          r.tl.addDisk(disk[i]!);
        });
        this.#chunksSealed += batch.length;
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
      this.#chunks.retireAged(this.#clock.now());
      this.#kickSeal();
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
}

function invalid(what: string, cause?: unknown): ArchiveError {
  return new ArchiveError(
    ARCHIVE_ERROR_CODES.invalidArgument,
    what,
    cause === undefined ? undefined : { cause },
  );
}
