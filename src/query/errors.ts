import { CanopyError } from '../common/index.js';

/** Stable codes raised by the query concern (documented in docs/errors.md and docs/query.md). */
export const QUERY_ERROR_CODES = {
  /**
   * The query text does not parse, or an evaluation option is invalid (a
   * reversed time range, a zero step). Parser errors carry the offset.
   */
  invalidQuery: 'CANOPY_ERR_INVALID_QUERY',
  /** The query would exceed a work limit (points per series, series, samples, text length). */
  queryTooLarge: 'CANOPY_ERR_QUERY_TOO_LARGE',
} as const;
export type QueryErrorCode = (typeof QUERY_ERROR_CODES)[keyof typeof QUERY_ERROR_CODES];

/** An error of the query language: a query that does not parse, or that asks for too much. */
export class QueryError extends CanopyError {
  declare readonly code: QueryErrorCode;
  /**
   * Character offset (UTF-16 index) of the problem in the query text, for
   * parser errors; lets a UI or the CLI point at the spot.
   */
  readonly offset: number | undefined;

  constructor(
    code: QueryErrorCode,
    message: string,
    options?: { cause?: unknown; offset?: number },
  ) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QueryError';
    this.offset = options?.offset;
  }
}

const MAX_QUOTED_CHARS = 120;

/**
 * Build a parser error: `invalid query "<text>": <problem> at offset N`.
 * Long queries are cut in the message (the offset still refers to the whole
 * text) so a megabyte of garbage does not end up in a log line.
 */
export function querySyntaxError(
  text: string,
  problem: string,
  offset: number,
  cause?: unknown,
): QueryError {
  const shown = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
  const message = `invalid query ${JSON.stringify(shown)}: ${problem} at offset ${offset}`;
  return new QueryError(
    QUERY_ERROR_CODES.invalidQuery,
    message,
    cause === undefined ? { offset } : { offset, cause },
  );
}

/** An evaluation option that makes no sense (no offset: it is not in the query text). */
export function invalidOption(problem: string): QueryError {
  return new QueryError(QUERY_ERROR_CODES.invalidQuery, `invalid query options: ${problem}`);
}

/** A work limit was hit; `problem` names the limit and its value. */
export function queryTooLarge(problem: string): QueryError {
  return new QueryError(QUERY_ERROR_CODES.queryTooLarge, `query too large: ${problem}`);
}
