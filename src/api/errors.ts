import { CanopyError } from '../common/index.js';

/** Errors raised by the HTTP API itself (bad parameters, unknown routes). */
export class ApiError extends CanopyError {
  readonly status: number;

  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** HTTP status for each error code the API can return; unknown codes are 500. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  CANOPY_ERR_BAD_PARAM: 400,
  CANOPY_ERR_INVALID_SELECTOR: 400,
  CANOPY_ERR_INVALID_NAME: 400,
  CANOPY_ERR_INVALID_TIME: 400,
  CANOPY_ERR_INVALID_QUERY: 400,
  CANOPY_ERR_QUERY_TOO_LARGE: 422,
  CANOPY_ERR_NOT_FOUND: 404,
  CANOPY_ERR_METHOD_NOT_ALLOWED: 405,
  CANOPY_ERR_FORBIDDEN: 403,
  CANOPY_ERR_SUMSTATS_DEF: 400,
  CANOPY_ERR_SUMSTATS_UNKNOWN: 404,
  CANOPY_ERR_SUMSTATS_SPEC: 400,
};

export function statusFor(err: unknown): number {
  if (err instanceof ApiError) return err.status;
  if (err instanceof CanopyError) return STATUS_BY_CODE[err.code] ?? 500;
  return 500;
}
