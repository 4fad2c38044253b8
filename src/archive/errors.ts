import { CanopyError } from '../common/index.js';

/**
 * Stable codes raised by the archive concern (chunk codecs and, later, the
 * archive files). Listed here so the error-code documentation test can check
 * that each one is described in docs/errors.md.
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
} as const;
export type ArchiveErrorCode = (typeof ARCHIVE_ERROR_CODES)[keyof typeof ARCHIVE_ERROR_CODES];

/** An error of the archive concern: a corrupt chunk or a value the codec cannot hold. */
export class ArchiveError extends CanopyError {
  declare readonly code: ArchiveErrorCode;

  constructor(code: ArchiveErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ArchiveError';
  }
}

/** Shorthand for a chunk that does not decode; `what` names the stream and the position. */
export function corruptChunk(what: string): ArchiveError {
  return new ArchiveError(ARCHIVE_ERROR_CODES.corruptChunk, `corrupt series chunk: ${what}`);
}
