/**
 * Base class of every error Canopy raises on purpose. Each subclass carries a
 * stable `code` (documented in docs/errors.md) so callers, the HTTP API and
 * tests never match on message text.
 */
export class CanopyError extends Error {
  readonly code: string;
  /** True when retrying the same operation later may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CanopyError';
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** Predicate for errors worth retrying (etcd3's isRecoverableError pattern). */
export function isRetryableError(err: unknown): boolean {
  return err instanceof CanopyError && err.retryable;
}

/** Narrow an unknown thrown value to an Error for reporting. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
