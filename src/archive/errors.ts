import { CanopyError } from '../common/index.js';

/**
 * Stable codes raised by the archive concern (chunk codecs and archive
 * files). Listed here so the error-code documentation test can check that
 * each one is described in docs/errors.md.
 */
export const ARCHIVE_ERROR_CODES = {
  /**
   * A series chunk does not decode: it ends before the samples it should
   * hold, or carries a code the format does not define. Never retryable: the
   * bytes are wrong, reading them again gives the same answer.
   */
  corruptChunk: 'CANOPY_ERR_CORRUPT_CHUNK',
  /** A local caller passed a value the codec cannot store (a non-integer timestamp, a bad option). */
  invalidArgument: 'CANOPY_ERR_INVALID_ARGUMENT',
  /**
   * An archive file record fails its checksum, has a bad marker or length,
   * or its payload does not decode. The error names the file and offset;
   * the records around it stay readable.
   */
  corruptRecord: 'CANOPY_ERR_CORRUPT_RECORD',
  /**
   * A file ends in an incomplete record and no writer is appending to it
   * (the writer died mid-write). A writer opening the archive cuts it.
   */
  tornTail: 'CANOPY_ERR_TORN_TAIL',
  /** An index entry points outside its segment, or at a record that does not match it. */
  indexMismatch: 'CANOPY_ERR_INDEX_MISMATCH',
  /** A file announces an archive format or version this code does not read. */
  unsupportedFormat: 'CANOPY_ERR_ARCHIVE_FORMAT',
  /** Another live process holds the archive's writer lock. */
  locked: 'CANOPY_ERR_ARCHIVE_LOCKED',
  /**
   * A write, sync or truncate failed. The writer stops accepting appends
   * (what is on disk is consistent; reopen the archive to continue).
   */
  io: 'CANOPY_ERR_ARCHIVE_IO',
  /** The archive writer or reader was used after close(). */
  closed: 'CANOPY_ERR_ARCHIVE_CLOSED',
} as const;
export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[keyof typeof ARCHIVE_ERROR_CODES];

/** Where in the archive an error was found. */
export interface ArchiveErrorOptions {
  readonly cause?: unknown;
  /** Archive file (path) the error was found in. */
  readonly file?: string;
  /** Byte offset in `file`. */
  readonly offset?: number;
  readonly retryable?: boolean;
}

/** An error of the archive concern: a corrupt chunk or file, a failed write, a bad argument. */
export class ArchiveError extends CanopyError {
  declare readonly code: ArchiveErrorCode;
  /** The archive file the error concerns, when it concerns one. */
  readonly file: string | undefined;
  /** Byte offset in `file`. */
  readonly offset: number | undefined;

  constructor(code: ArchiveErrorCode, message: string, options?: ArchiveErrorOptions) {
    super(code, message, {
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
      ...(options?.retryable === undefined ? {} : { retryable: options.retryable }),
    });
    this.name = 'ArchiveError';
    this.file = options?.file;
    this.offset = options?.offset;
  }
}

/** Shorthand for a chunk that does not decode; `what` names the stream and the position. */
export function corruptChunk(what: string): ArchiveError {
  return new ArchiveError(ARCHIVE_ERROR_CODES.corruptChunk, `corrupt series chunk: ${what}`);
}

/** An error located in an archive file: the message starts with `file@offset`. */
export function fileError(
  code: ArchiveErrorCode,
  file: string,
  offset: number,
  what: string,
  cause?: unknown,
): ArchiveError {
  return new ArchiveError(code, `${file}@${offset}: ${what}`, {
    file,
    offset,
    ...(cause === undefined ? {} : { cause }),
  });
}
