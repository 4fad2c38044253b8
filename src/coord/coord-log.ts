import { mkdir, open, readFile, rename, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import type { StateImage } from './kv-state.js';
import { decodeRecord, decodeSnapshot, encodeRecord, encodeSnapshot } from './log-format.js';
import type { LogRecord } from './log-format.js';

/** What a store directory held when it was opened. */
export interface LoadedLog {
  /** The last snapshot, if any. */
  image: StateImage | undefined;
  /** Log records after the snapshot, in revision order. */
  records: LogRecord[];
}

type Job = { resolve: () => void; reject: (err: Error) => void } & (
  { kind: 'line'; text: string } | { kind: 'snapshot'; capture: () => StateImage }
);

/**
 * The embedded store's durable log: `coord.log` (JSON lines, appended) and
 * `coord.snapshot` (replaced atomically). Appends are group-committed: while
 * one write + fdatasync is in flight the next lines queue up and go out
 * together, so many concurrent writers cost one fsync. A job resolves only
 * once its bytes are on disk.
 */
export class CoordLog {
  readonly #dir: string;
  readonly #snapshotPath: string;
  readonly #fh: FileHandle;
  readonly #queue: Job[] = [];
  #running: Promise<void> | undefined;
  #failed: CoordError | undefined;
  #closed = false;
  #recordsSinceSnapshot: number;
  #snapshotQueued = false;

  private constructor(dir: string, fh: FileHandle, records: number) {
    this.#dir = dir;
    this.#snapshotPath = join(dir, 'coord.snapshot');
    this.#fh = fh;
    this.#recordsSinceSnapshot = records;
  }

  /** Read the snapshot and the log (cutting a torn last line), then open the log for appending. */
  static async open(dir: string, logger: Logger): Promise<{ log: CoordLog; loaded: LoadedLog }> {
    await ioStep(`cannot create ${dir}`, () => mkdir(dir, { recursive: true }));
    const image = await readSnapshot(join(dir, 'coord.snapshot'));
    const records = await readLog(join(dir, 'coord.log'), image?.revision ?? 1, logger);
    const fh = await ioStep(`cannot open ${join(dir, 'coord.log')}`, () =>
      open(join(dir, 'coord.log'), 'a'),
    );
    return { log: new CoordLog(dir, fh, records.length), loaded: { image, records } };
  }

  /** Records appended since the last snapshot (drives compaction). */
  get recordsSinceSnapshot(): number {
    return this.#recordsSinceSnapshot;
  }

  get snapshotQueued(): boolean {
    return this.#snapshotQueued;
  }

  /** The first I/O failure, after which every job is refused. */
  get failure(): CoordError | undefined {
    return this.#failed;
  }

  /** Resolves once the record is durable. */
  append(record: LogRecord): Promise<void> {
    return this.#enqueue({ kind: 'line', text: encodeRecord(record) });
  }

  /**
   * Write a snapshot and empty the log. `capture` runs when the job's turn
   * comes: every earlier record is on disk then, and records queued after it
   * (already applied in memory, so inside the image) are written to the
   * emptied log and skipped on replay by their revision.
   */
  snapshot(capture: () => StateImage): Promise<void> {
    this.#snapshotQueued = true;
    return this.#enqueue({ kind: 'snapshot', capture });
  }

  /** Wait for queued jobs, then close the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#running;
    await this.#fh.close().catch(() => undefined);
  }

  #enqueue(
    job: { kind: 'line'; text: string } | { kind: 'snapshot'; capture: () => StateImage },
  ): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    if (this.#closed)
      return Promise.reject(
        new CoordError(COORD_ERROR_CODES.closed, 'coordination store is closed'),
      );
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...job, resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** Never rejects: each job's outcome goes to its own promise. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === 'snapshot') {
        this.#queue.shift();
        await this.#run([head], () => this.#writeSnapshot(head.capture));
        this.#snapshotQueued = false;
        continue;
      }
      let n = 0;
      while (n < this.#queue.length && this.#queue[n]!.kind === 'line') n++;
      const batch = this.#queue.splice(0, n);
      await this.#run(batch, () => this.#writeLines(batch));
    }
    this.#running = undefined;
  }

  async #run(jobs: Job[], work: () => Promise<void>): Promise<void> {
    try {
      if (this.#failed !== undefined) throw this.#failed;
      await work();
    } catch (err) {
      this.#failed ??=
        err instanceof CoordError
          ? err
          : new CoordError(
              COORD_ERROR_CODES.io,
              `${this.#dir}: write failed: ${(err as Error).message}`,
              { cause: err },
            );
      for (const job of jobs) job.reject(this.#failed);
      return;
    }
    for (const job of jobs) job.resolve();
  }

  async #writeLines(batch: Job[]): Promise<void> {
    const text = batch.map((j) => (j.kind === 'line' ? j.text : '')).join('');
    await this.#fh.write(text);
    await this.#fh.datasync();
    this.#recordsSinceSnapshot += batch.length;
  }

  async #writeSnapshot(capture: () => StateImage): Promise<void> {
    const text = encodeSnapshot(capture());
    const tmp = `${this.#snapshotPath}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#snapshotPath);
    // The rename is durable only once the directory entry is synced; until
    // then a crash may bring back the old snapshot, which the untruncated log
    // still completes.
    const dirHandle = await open(this.#dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    await this.#fh.truncate(0);
    await this.#fh.sync();
    this.#recordsSinceSnapshot = 0;
  }
}

async function ioStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new CoordError(COORD_ERROR_CODES.io, `${what}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function readSnapshot(path: string): Promise<StateImage | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CoordError(COORD_ERROR_CODES.io, `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const image = decodeSnapshot(text);
  if (typeof image === 'string') {
    throw new CoordError(COORD_ERROR_CODES.corrupt, `${path}: ${image}`);
  }
  return image;
}

/**
 * Read the log's records after `baseRevision`. A damaged last line is what a
 * crash mid-append leaves: it is cut off with a warning (its write was never
 * acknowledged). Damage before the last line is not a crash artefact and is
 * refused, so stored data is never silently dropped.
 */
async function readLog(path: string, baseRevision: number, logger: Logger): Promise<LogRecord[]> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CoordError(COORD_ERROR_CODES.io, `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const records: LogRecord[] = [];
  let expected = baseRevision + 1;
  let start = 0;
  for (let line = 1; start < buf.length; line++) {
    const nl = buf.indexOf(0x0a, start);
    const end = nl === -1 ? buf.length : nl;
    const record = nl === -1 ? undefined : decodeRecord(buf.toString('utf8', start, end));
    if (record === undefined) {
      if (!blank(buf.subarray(end + 1))) {
        throw new CoordError(COORD_ERROR_CODES.corrupt, `${path}:${line}: not a valid log record`);
      }
      logger.warn('coord log: cutting a torn last line (crash mid-write)', {
        file: path,
        line,
        offset: start,
        droppedBytes: buf.length - start,
      });
      await ioStep(`cannot truncate ${path}`, () => truncate(path, start));
      break;
    }
    if (record.rev > baseRevision) {
      if (record.rev !== expected) {
        throw new CoordError(
          COORD_ERROR_CODES.corrupt,
          `${path}:${line}: revision ${record.rev}, expected ${expected}`,
        );
      }
      records.push(record);
      expected++;
    }
    start = end + 1;
  }
  return records;
}

/** Only whitespace or NUL bytes (what a filesystem may leave after a crash). */
function blank(rest: Buffer): boolean {
  return rest.every((b) => b === 0 || b === 0x0a || b === 0x20 || b === 0x0d || b === 0x09);
}
