import { COORD_ERROR_CODES, CoordError } from './errors.js';
import type { TxnCompare, TxnOp } from './types.js';

/** Keys are non-empty strings (etcd refuses an empty key). */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new CoordError(COORD_ERROR_CODES.invalidArgument, 'a key must be a non-empty string');
  }
  return key;
}

export function checkTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new CoordError(
      COORD_ERROR_CODES.invalidArgument,
      `lease TTL must be a positive number of ms, got ${ttlMs}`,
    );
  }
  return ttlMs;
}

/** etcd refuses a transaction that writes one key twice; both stores refuse it up front. */
export function checkTxnKeys(compares: readonly TxnCompare[], ops: readonly TxnOp[]): void {
  for (const c of compares) {
    checkKey(c.key);
    if (!Number.isSafeInteger(c.modRevision) || c.modRevision < 0) {
      throw new CoordError(
        COORD_ERROR_CODES.invalidArgument,
        `compare ${c.key}: modRevision must be an integer ≥ 0`,
      );
    }
  }
  const seen = new Set<string>();
  for (const o of ops) {
    if (seen.has(checkKey(o.key))) {
      throw new CoordError(COORD_ERROR_CODES.invalidArgument, `transaction writes ${o.key} twice`);
    }
    seen.add(o.key);
  }
}
