import { CanopyError } from '../common/index.js';

/**
 * Stable codes raised by the coordination store. Listed here so the
 * error-code documentation test can check each is described in
 * docs/errors.md; callers branch on `code` (or `isRetryableError`), never
 * on message text.
 */
export const COORD_ERROR_CODES = {
  /**
   * The store did not answer (etcd down, partitioned, too slow, or the
   * connection was cut). Retryable. The message names the endpoints; for a
   * write the outcome is unknown (etcd may have applied it).
   */
  unavailable: 'CANOPY_ERR_COORD_UNAVAILABLE',
  /** A coordination URL does not parse (`etcd://h:p,…`, `http://h:p`, `file:DIR`, `memory:`). */
  url: 'CANOPY_ERR_COORD_URL',
  /** Another live process holds the embedded store's `LOCK` file; the message names its pid. */
  locked: 'CANOPY_ERR_COORD_LOCKED',
  /** The lease is gone (expired, revoked, or granted by another store); a put with it is refused. */
  leaseLost: 'CANOPY_ERR_COORD_LEASE_LOST',
  /**
   * The history a watch must replay from (`afterRevision`) was compacted
   * away: the caller has to re-read the state (list) and watch from there.
   */
  compacted: 'CANOPY_ERR_COORD_COMPACTED',
  /** The embedded store's snapshot or log is damaged before its last line (a torn last line is cut, not reported). */
  corrupt: 'CANOPY_ERR_COORD_CORRUPT',
  /** Reading or writing the embedded store's files failed; the store refuses further writes. */
  io: 'CANOPY_ERR_COORD_IO',
  /** The store was used after close(). */
  closed: 'CANOPY_ERR_COORD_CLOSED',
  /** A call was malformed: an empty key, a transaction touching one key twice, a lease from another store. */
  invalidArgument: 'CANOPY_ERR_COORD_INVALID_ARGUMENT',
  /** A campaign ended because the candidate resigned before it became leader. */
  cancelled: 'CANOPY_ERR_COORD_CANCELLED',
} as const;
export type CoordErrorCode = (typeof COORD_ERROR_CODES)[keyof typeof COORD_ERROR_CODES];

/** An error of the coordination store; `retryable` is set for `CANOPY_ERR_COORD_UNAVAILABLE`. */
export class CoordError extends CanopyError {
  declare readonly code: CoordErrorCode;

  constructor(code: CoordErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, {
      retryable: code === COORD_ERROR_CODES.unavailable,
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'CoordError';
  }
}
