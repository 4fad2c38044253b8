import { CanopyError } from '../common/index.js';

/** Stable codes of the errors the model raises (documented in docs/namespace.md). */
export const MODEL_ERROR_CODES = {
  invalidName: 'CANOPY_ERR_INVALID_NAME',
  invalidSelector: 'CANOPY_ERR_INVALID_SELECTOR',
  invalidHostList: 'CANOPY_ERR_INVALID_HOSTLIST',
  invalidSchema: 'CANOPY_ERR_INVALID_SCHEMA',
} as const;
export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[keyof typeof MODEL_ERROR_CODES];

/** Errors from names, selectors, host lists and schemas. */
export class ModelError extends CanopyError {
  /**
   * Character offset (UTF-16 index) of the problem in the parsed text, when
   * the error comes from a parser; lets a UI or CLI point at the spot.
   */
  readonly offset: number | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; offset?: number }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    this.offset = options?.offset;
  }
}

const MAX_QUOTED_CHARS = 120;

/**
 * Build the error of a parser: `invalid <what> "<text>": <problem> at offset N`.
 * Long inputs are cut in the message (the offset still refers to the full text)
 * so a megabyte of garbage does not end up in a log line.
 */
export function syntaxError(
  code: ModelErrorCode,
  what: string,
  text: string,
  problem: string,
  offset: number,
  cause?: unknown,
): ModelError {
  const shown = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}…` : text;
  const message = `invalid ${what} ${JSON.stringify(shown)}: ${problem} at offset ${offset}`;
  return new ModelError(code, message, cause === undefined ? { offset } : { offset, cause });
}
