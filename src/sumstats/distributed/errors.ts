import { CanopyError } from '../../common/index.js';

/** Stable codes raised by the sumstats distribution layer (documented in docs/sumstats.md). */
export const DISTRIBUTED_ERROR_CODES = {
  /** A `{ op: 'sumstats' }` control body is malformed (unknown shape, bad field, bad base64). */
  badMessage: 'CANOPY_ERR_SUMSTATS_MESSAGE',
  /** A distribution option is invalid (empty manager list, non-positive limit). */
  badOption: 'CANOPY_ERR_SUMSTATS_OPTION',
} as const;
export type DistributedErrorCode =
  (typeof DISTRIBUTED_ERROR_CODES)[keyof typeof DISTRIBUTED_ERROR_CODES];

/** Errors of the sumstats workers, managers and their messages. */
export class SumStatsDistributedError extends CanopyError {
  constructor(code: DistributedErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SumStatsDistributedError';
  }
}

export function badMessage(what: string): SumStatsDistributedError {
  return new SumStatsDistributedError(
    DISTRIBUTED_ERROR_CODES.badMessage,
    `sumstats message: ${what}`,
  );
}
