import { CanopyError } from '../common/index.js';

/**
 * Stable codes raised by the sumstats engine, its sources and actions
 * (documented in docs/errors.md and docs/sumstats.md). The reducers raise
 * their own codes (`CANOPY_ERR_SUMSTATS_SPEC`, `_MERGE`, `_DECODE`).
 */
export const SUMSTATS_ENGINE_ERROR_CODES = {
  /** A sumstat definition, threshold, predicate or metric-source rule is invalid. */
  invalidDef: 'CANOPY_ERR_SUMSTATS_DEF',
  /** No sumstat of that name is defined. */
  unknownSumStat: 'CANOPY_ERR_SUMSTATS_UNKNOWN',
  /** The engine or the actions were closed. */
  closed: 'CANOPY_ERR_SUMSTATS_CLOSED',
  /** An action (webhook URL, command) is misconfigured. */
  invalidAction: 'CANOPY_ERR_SUMSTATS_ACTION',
} as const;
export type SumStatsEngineErrorCode =
  (typeof SUMSTATS_ENGINE_ERROR_CODES)[keyof typeof SUMSTATS_ENGINE_ERROR_CODES];

/**
 * Errors from sumstat definitions, the engine and the actions. `path` locates
 * a definition problem (`sumstats[0].reducers[1].spec.n`) so a config loader
 * can map it back to a line and column.
 */
export class SumStatsEngineError extends CanopyError {
  readonly path: string | undefined;

  constructor(
    code: SumStatsEngineErrorCode,
    message: string,
    options?: { cause?: unknown; path?: string },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SumStatsEngineError';
    this.path = options?.path;
  }
}

/** A located definition error: `${path}: ${problem}`. */
export function defError(path: string, problem: string, cause?: unknown): SumStatsEngineError {
  return new SumStatsEngineError(
    SUMSTATS_ENGINE_ERROR_CODES.invalidDef,
    `${path}: ${problem}`,
    cause === undefined ? { path } : { path, cause },
  );
}
