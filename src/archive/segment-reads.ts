import { closeSync, openSync, readSync } from 'node:fs';
import { ByteSource } from './byte-io.js';
import { ARCHIVE_ERROR_CODES, fileError } from './errors.js';
import { RECORD_HEADER_BYTES, RECORD_TYPES, checkRecord } from './record-format.js';
import type { DiskChunk } from './series-timeline.js';

/** A chunk body located in a buffer. */
export interface ChunkBytes {
  readonly buf: Uint8Array;
  readonly start: number;
  readonly end: number;
}

/** Read file descriptors kept open at most; the least recently used is closed first. */
const MAX_OPEN = 64;

/**
 * Synchronous positioned reads of chunk records, for queries: one pread per
 * chunk into a reused buffer. The record's checksum is checked the first
 * time a chunk is read (segments are append-only, so once is enough).
 * Descriptors are opened on demand and kept in a small LRU; an open one keeps
 * a deleted file readable, as POSIX promises.
 */
export class SegmentReads {
  readonly #fds = new Map<string, number>();
  #scratch = new Uint8Array(64 * 1024);

  /**
   * The body of `chunk`. Throws an ArchiveError naming the file and offset
   * when the record is damaged or does not match its index entry. The bytes
   * are valid until the next call.
   */
  read(chunk: DiskChunk): ChunkBytes {
    const path = chunk.segment.path;
    if (this.#scratch.length < chunk.length) this.#scratch = new Uint8Array(chunk.length * 2);
    const buf = this.#scratch.subarray(0, chunk.length);
    const got = readSync(this.#fd(path), buf, 0, chunk.length, chunk.offset);
    if (got < chunk.length) {
      throw fileError(
        ARCHIVE_ERROR_CODES.indexMismatch,
        path,
        chunk.offset,
        `index entry wants ${chunk.length} bytes, the file holds ${got}`,
      );
    }
    if (!chunk.verified) {
      const why = checkRecord(buf, RECORD_TYPES.chunk);
      if (why !== '')
        throw fileError(
          ARCHIVE_ERROR_CODES.corruptRecord,
          path,
          chunk.offset,
          `chunk record: ${why}`,
        );
    }
    const r = new ByteSource(buf, RECORD_HEADER_BYTES, chunk.length, 'chunk record');
    const localId = r.varint();
    if (localId !== chunk.localId) {
      throw fileError(
        ARCHIVE_ERROR_CODES.indexMismatch,
        path,
        chunk.offset,
        `chunk of set ${localId}, index entry says set ${chunk.localId}`,
      );
    }
    chunk.verified = true;
    return { buf, start: r.pos, end: chunk.length };
  }

  #fd(path: string): number {
    let fd = this.#fds.get(path);
    if (fd !== undefined) {
      this.#fds.delete(path);
      this.#fds.set(path, fd);
      return fd;
    }
    fd = openSync(path, 'r');
    this.#fds.set(path, fd);
    if (this.#fds.size > MAX_OPEN) {
      const [oldest, oldFd] = this.#fds.entries().next().value as [string, number];
      this.#fds.delete(oldest);
      closeSync(oldFd);
    }
    return fd;
  }

  /** Close the descriptor of `path`, if open (its segment was deleted and dropped). */
  forget(path: string): void {
    const fd = this.#fds.get(path);
    if (fd === undefined) return;
    this.#fds.delete(path);
    closeSync(fd);
  }

  /** Close every descriptor. */
  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }
}
