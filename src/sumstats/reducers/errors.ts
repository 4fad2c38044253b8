import { CanopyError } from '../../common/index.js';

/**
 * Stable codes of the errors the reducers raise. None is retryable: a bad
 * spec, a mismatched merge or a corrupt encoding stays bad on a second try.
 */
export const SUMSTATS_ERROR_CODES = {
  /** A reducer spec is invalid; the message names the field (`where.n: …`). */
  spec: 'CANOPY_ERR_SUMSTATS_SPEC',
  /** Two reducers of different kinds or parameters were merged; the message names both. */
  merge: 'CANOPY_ERR_SUMSTATS_MERGE',
  /** A reducer encoding is garbage, truncated or of an unknown version. */
  decode: 'CANOPY_ERR_SUMSTATS_DECODE',
} as const;
export type SumStatsErrorCode = (typeof SUMSTATS_ERROR_CODES)[keyof typeof SUMSTATS_ERROR_CODES];

/** Errors of the summary-statistics reducers (spec validation, merge, decode). */
export class SumStatsError extends CanopyError {
  constructor(code: SumStatsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SumStatsError';
  }
}

/** Shorthand for the decode error every malformed encoding turns into. */
export function decodeError(message: string, cause?: unknown): SumStatsError {
  return new SumStatsError(
    SUMSTATS_ERROR_CODES.decode,
    `invalid reducer encoding: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}
