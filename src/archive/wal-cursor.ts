import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { SetInstance, SetSample } from '../model/index.js';
import { WAL_DIR, walName } from './archive-files.js';
import type { ArchiveError } from './errors.js';
import { ARCHIVE_ERROR_CODES, fileError } from './errors.js';
import { readAll } from './file-read.js';
import type { ProblemLog } from './problem-log.js';
import { RECORD_TYPES, checkFileHeader, scanRecords } from './record-format.js';
import { WalDecoder } from './wal-codec.js';

/** Receives each decoded WAL sample, in file order. */
export type WalSink = (set: SetInstance, sample: SetSample, seq: number) => void;

/**
 * Reads one WAL file front to back, across calls: each `read` decodes the
 * whole records appended since the last one and stops before an incomplete
 * tail, to retry it next time. The handle stays open, so a file the writer
 * deletes (all its samples sealed) can still be finished.
 */
export class WalCursor {
  readonly seq: number;
  readonly path: string;
  /** File offset of the next record to read. */
  offset = 0;
  /** Incomplete bytes at the end, as of the last read. */
  tail: { offset: number; reason: string } | undefined;
  /** Damage was found in the middle of the file. */
  damaged = false;
  readonly #decoder = new WalDecoder();
  #handle: FileHandle | undefined;

  constructor(dir: string, seq: number) {
    this.seq = seq;
    this.path = join(dir, WAL_DIR, walName(seq));
  }

  /** Open the file now (so a later deletion cannot take it away); false when it is gone. */
  async open(): Promise<boolean> {
    if (this.#handle !== undefined) return true;
    this.#handle = await open(this.path, 'r').catch(() => undefined);
    return this.#handle !== undefined;
  }

  /** Decode the records appended since the last read; damage is reported and skipped. */
  async read(problems: ProblemLog, sink: WalSink): Promise<void> {
    if (!(await this.open())) return;
    const h = this.#handle!;
    const size = (await h.stat()).size;
    if (size <= this.offset) return;
    const bytes = await readAll(h, this.offset, size - this.offset);
    const scan = scanRecords(bytes, this.offset);
    const corrupt = [...scan.corrupt];
    for (const rec of scan.records) {
      while (corrupt.length > 0 && corrupt[0]!.offset < rec.offset) {
        const c = corrupt.shift()!;
        this.#damaged(problems, c.offset, `${c.reason}; ${c.length} bytes skipped`);
      }
      if (rec.offset === 0) {
        checkFileHeader(rec, 'wal', this.path);
        continue;
      }
      if (rec.type !== RECORD_TYPES.wal) {
        this.#damaged(problems, rec.offset, `record type ${rec.type} in a WAL file`);
        continue;
      }
      this.#decode(rec.payload, rec.offset, problems, sink);
    }
    for (const c of corrupt)
      this.#damaged(problems, c.offset, `${c.reason}; ${c.length} bytes skipped`);
    this.offset = scan.end;
    this.tail = scan.tailBytes > 0 ? { offset: scan.end, reason: scan.tailReason } : undefined;
  }

  #decode(payload: Uint8Array, offset: number, problems: ProblemLog, sink: WalSink): void {
    let batch;
    try {
      batch = this.#decoder.decode(payload);
    } catch (err) {
      this.#damaged(
        problems,
        offset,
        `frames do not decode: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    if (batch.skipped > 0) {
      problems.add(
        fileError(
          ARCHIVE_ERROR_CODES.corruptRecord,
          this.path,
          offset,
          `${batch.skipped} samples skipped: their sets lost their reference sample in damage earlier in the file`,
        ),
      );
    }
    for (const e of batch.entries) sink(e.set, e.sample, this.seq);
  }

  /** Report damage at `offset` and restart decoding state (see WalDecoder.resync). */
  #damaged(problems: ProblemLog, offset: number, what: string): void {
    problems.add(fileError(ARCHIVE_ERROR_CODES.corruptRecord, this.path, offset, `WAL ${what}`));
    this.damaged = true;
    this.#decoder.resync();
  }

  async close(): Promise<void> {
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close();
  }
}

/** A torn tail error for a file whose writer is gone. */
export function tornTail(file: string, offset: number, reason: string): ArchiveError {
  return fileError(
    ARCHIVE_ERROR_CODES.tornTail,
    file,
    offset,
    `${reason}: the writer stopped mid-record; a writer opening the archive cuts it`,
  );
}
