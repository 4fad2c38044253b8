import { ClientClosedError, EtcdLeaseInvalidError, GRPCInvalidArgumentError } from 'etcd3';
import type { IKeyValue, IOptions } from 'etcd3';
import { toError } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import type { KeyValue } from './types.js';

/** An etcd key range: `start` alone is one key; with `end` it is [start, end). */
export interface KeyRange {
  key: Buffer;
  range_end?: Buffer;
}

/**
 * The range holding every key that starts with `prefix`: etcd's convention
 * is range_end = prefix with its last byte incremented (trailing 0xff bytes
 * dropped first); "\0" as both ends means every key.
 */
export function prefixRange(prefix: string): Required<KeyRange> {
  const start = Buffer.from(prefix);
  const end = Buffer.from(start);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return { key: start, range_end: end.subarray(0, i + 1) };
    }
  }
  return { key: start.length === 0 ? Buffer.from([0]) : start, range_end: Buffer.from([0]) };
}

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    lease: kv.lease === undefined || kv.lease === '0' ? undefined : String(kv.lease),
  };
}

/**
 * Turn whatever etcd3 rejected with into a CoordError naming the endpoints
 * and the call. Everything that is not a known request error is treated as
 * the store being unavailable (retryable): connection refused, deadline,
 * open circuit breaker, leader election in progress, quorum loss.
 */
export function coordErrorOf(err: unknown, endpoints: readonly string[], what: string): CoordError {
  if (err instanceof CoordError) return err;
  const e = toError(err);
  const message = `etcd ${endpoints.join(',')}: ${what}: ${e.message}`;
  if (e instanceof EtcdLeaseInvalidError)
    return new CoordError(COORD_ERROR_CODES.leaseLost, message, { cause: e });
  if (e instanceof ClientClosedError)
    return new CoordError(COORD_ERROR_CODES.closed, message, { cause: e });
  if (e instanceof GRPCInvalidArgumentError) {
    return new CoordError(COORD_ERROR_CODES.invalidArgument, message, { cause: e });
  }
  if (/required revision has been compacted/.test(e.message)) {
    return new CoordError(COORD_ERROR_CODES.compacted, message, { cause: e });
  }
  return new CoordError(COORD_ERROR_CODES.unavailable, message, { cause: e });
}

/**
 * Settle with `call`'s outcome or reject after `timeoutMs`. The late outcome
 * of a timed-out call is swallowed here so it can never surface as an
 * unhandled rejection (for a write it is unknown whether etcd applied it).
 */
export function withDeadline<T>(
  call: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Error,
): Promise<T> {
  call.catch(() => undefined);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    call.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(toError(err));
      },
    );
  });
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * Reconnect delays for etcd3's watch stream: 100 ms doubling to at most
 * `maxMs`, with ±25 % jitter so many daemons do not reconnect in step.
 * etcd3's default climbs to 30 s, which would leave watches deaf for up to
 * half a minute after etcd comes back.
 */
export function watchBackoff(maxMs: number, delayMs = 100): WatchBackoff {
  const jittered = Math.round(delayMs * (0.75 + Math.random() * 0.5));
  return { duration: jittered, next: () => watchBackoff(maxMs, Math.min(maxMs, delayMs * 2)) };
}
