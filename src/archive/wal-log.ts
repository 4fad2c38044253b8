import { open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { WAL_DIR, syncDir, walName } from './archive-files.js';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import { RECORD_TYPES, fileHeaderRecord, recordHeader } from './record-format.js';
import { WalEncoder } from './wal-codec.js';
import type { WalItem } from './wal-codec.js';

/** Options of the write-ahead log. */
export interface WalLogOptions {
  readonly dir: string;
  /** First sequence number to use (files are never renumbered or reused). */
  readonly firstSeq: number;
  /** At most one sync per this period: appends in between share it (group commit). */
  readonly syncIntervalMs: number;
  /** A file this large is closed and the next append starts a new one. */
  readonly fileBytes: number;
  readonly keyframeBytes: number;
}

/** Counters the writer reports in stats(). */
export interface WalCounters {
  fsyncs: number;
  lastFsyncMs: number;
  /** Bytes written to WAL files since open. */
  bytesWritten: number;
}

interface WalFile {
  readonly seq: number;
  readonly path: string;
  readonly encoder: WalEncoder | undefined;
  handle: FileHandle | undefined;
  /** Bytes on disk. */
  size: number;
  /** Bytes encoded for the file (written or queued). */
  queued: number;
  /** No more writes will go to it: it may be deleted once its samples are sealed. */
  closed: boolean;
}

interface Pending {
  readonly file: WalFile;
  readonly buffers: Uint8Array[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The write-ahead log: each append is encoded at once into one record of
 * the current file (so the encoder's per-set state follows append order) and
 * queued; a single commit loop writes what is queued, syncs, and only then
 * resolves the appends it covered. Appends that arrive while a sync runs
 * share the next one, so durability costs one sync per `syncIntervalMs`,
 * not one per append. After a failed write or sync the log refuses further
 * appends: what is on disk is consistent, and reopening recovers from it.
 */
export class WalLog {
  readonly #o: WalLogOptions;
  readonly counters: WalCounters = { fsyncs: 0, lastFsyncMs: 0, bytesWritten: 0 };
  readonly #files = new Map<number, WalFile>();
  #current: WalFile;
  #queue: Pending[] = [];
  #running: Promise<void> | undefined;
  #lastSyncAt = 0;
  #failed: ArchiveError | undefined;
  #durable: Promise<void> = Promise.resolve();

  constructor(options: WalLogOptions, existing: readonly { seq: number; size: number }[]) {
    this.#o = options;
    for (const e of existing) {
      const path = join(options.dir, WAL_DIR, walName(e.seq));
      this.#files.set(e.seq, {
        seq: e.seq,
        path,
        encoder: undefined,
        handle: undefined,
        size: e.size,
        queued: e.size,
        closed: true,
      });
    }
    this.#current = this.#newFile(options.firstSeq);
  }

  /** Sequence number of the file new appends go to. */
  get currentSeq(): number {
    return this.#current.seq;
  }

  /** WAL files present and their bytes. */
  files(): { count: number; bytes: number } {
    let bytes = 0;
    for (const f of this.#files.values()) bytes += f.size;
    return { count: this.#files.size, bytes };
  }

  /** The error that stopped the log, if any. */
  get failed(): ArchiveError | undefined {
    return this.#failed;
  }

  /**
   * Encode `items` as one record and queue it. Returns the file it went to
   * and a promise that resolves once a sync covers it.
   */
  append(items: readonly WalItem[]): { seq: number; durable: Promise<void> } {
    if (this.#failed) throw this.#failed;
    if (this.#current.queued >= this.#o.fileBytes) {
      this.#current = this.#newFile(this.#current.seq + 1);
    }
    const file = this.#current;
    const parts = file.encoder!.encode(items);
    const buffers = [recordHeader(RECORD_TYPES.wal, parts), ...parts];
    if (file.queued === 0) buffers.unshift(fileHeaderRecord('wal'));
    for (const b of buffers) file.queued += b.length;
    const durable = new Promise<void>((resolve, reject) => {
      this.#queue.push({ file, buffers, resolve, reject });
    });
    this.#durable = durable;
    if (this.#running === undefined) this.#running = this.#run();
    return { seq: file.seq, durable };
  }

  /** Resolves once everything appended so far is durable (rejects if the log failed). */
  durable(): Promise<void> {
    return this.#failed ? Promise.reject(this.#failed) : this.#durable;
  }

  /** Delete closed files below `seq`: every sample in them is sealed in a segment. */
  async deleteBefore(seq: number): Promise<void> {
    for (const f of [...this.#files.values()]) {
      if (f.seq >= seq || !f.closed || f === this.#current) continue;
      this.#files.delete(f.seq);
      await unlink(f.path).catch(() => undefined);
    }
  }

  /**
   * Wait for queued writes, close the current file, and (when everything is
   * sealed, `deleteAll`) remove every WAL file.
   */
  async close(deleteAll: boolean): Promise<void> {
    while (this.#running) await this.#running;
    const cur = this.#current;
    cur.closed = true;
    await cur.handle?.close();
    cur.handle = undefined;
    if (deleteAll) {
      for (const f of this.#files.values()) await unlink(f.path).catch(() => undefined);
      this.#files.clear();
    }
  }

  #newFile(seq: number): WalFile {
    const f: WalFile = {
      seq,
      path: join(this.#o.dir, WAL_DIR, walName(seq)),
      encoder: new WalEncoder(this.#o.keyframeBytes),
      handle: undefined,
      size: 0,
      queued: 0,
      closed: false,
    };
    this.#files.set(seq, f);
    return f;
  }

  /**
   * The commit loop. It clears #running itself, in the same tick it finds
   * the queue empty, so an append right after starts a new loop rather than
   * queueing behind one that is about to end; never two loops at once.
   */
  async #run(): Promise<void> {
    for (;;) {
      if (this.#queue.length === 0 || this.#failed) {
        this.#running = undefined;
        return;
      }
      const wait = this.#lastSyncAt + this.#o.syncIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const batch = this.#queue;
      this.#queue = [];
      this.#lastSyncAt = Date.now();
      try {
        await this.#commit(batch);
        for (const p of batch) p.resolve();
      } catch (err) {
        this.#failed = new ArchiveError(
          ARCHIVE_ERROR_CODES.io,
          `WAL write failed: ${String(err)}`,
          { cause: err },
        );
        for (const p of [...batch, ...this.#queue]) p.reject(this.#failed);
        this.#queue = [];
      }
    }
  }

  /** Write the batch file by file, in order, then sync every file it touched. */
  async #commit(batch: readonly Pending[]): Promise<void> {
    const files: WalFile[] = [];
    for (const p of batch) if (!files.includes(p.file)) files.push(p.file);
    for (const f of files) {
      if (f.handle === undefined) {
        f.handle = await open(f.path, 'wx');
        // The new name must survive a power cut before anything in it is acknowledged.
        await syncDir(join(this.#o.dir, WAL_DIR));
      }
      const buffers = batch.filter((p) => p.file === f).flatMap((p) => p.buffers);
      let bytes = 0;
      for (const b of buffers) bytes += b.length;
      const { bytesWritten } = await f.handle.writev(buffers, f.size);
      if (bytesWritten !== bytes)
        throw new Error(`short write to ${f.path}: ${bytesWritten} of ${bytes} bytes`);
      f.size += bytes;
      this.counters.bytesWritten += bytes;
    }
    const t0 = performance.now();
    await Promise.all(files.map((f) => f.handle!.datasync()));
    this.counters.lastFsyncMs = performance.now() - t0;
    this.counters.fsyncs += files.length;
    // Files the writer has moved past are closed once nothing more is queued for them.
    for (const f of this.#files.values()) {
      if (f === this.#current || f.closed || this.#queue.some((p) => p.file === f)) continue;
      await f.handle?.close();
      f.handle = undefined;
      f.closed = true;
    }
  }
}
