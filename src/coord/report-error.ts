import { toError } from '../common/index.js';
import type { Logger } from '../common/index.js';

/**
 * Hand `err` to a watch's `onError`, or log it when there is none. Nothing
 * here throws: a failing handler is logged too, because these run inside
 * store callbacks where an exception would go nowhere (or crash the process).
 */
export function reportError(
  onError: ((err: Error) => void) | undefined,
  logger: Logger,
  what: string,
  err: unknown,
): void {
  const error = toError(err);
  if (onError === undefined) {
    logger.warn(what, { err: error });
    return;
  }
  try {
    onError(error);
  } catch (inner) {
    logger.error(`${what} (and onError threw)`, { err: error, onErrorErr: toError(inner) });
  }
}
