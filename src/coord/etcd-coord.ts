import { Etcd3 } from 'etcd3';
import type { CallContext, IRequestOp } from 'etcd3';
import { createLogger } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { EtcdLease } from './etcd-lease.js';
import {
  coordErrorOf,
  prefixRange,
  toKeyValue,
  watchBackoff,
  withDeadline,
} from './etcd-support.js';
import { EtcdWatch } from './etcd-watch.js';
import type { EtcdWatchContext } from './etcd-watch.js';
import { checkKey, checkTtl, checkTxnKeys } from './validate.js';
import type {
  CoordStore,
  KeyValue,
  Lease,
  PutOptions,
  TxnCompare,
  TxnOp,
  Watch,
  WatchEvent,
  WatchOptions,
} from './types.js';

/** Options of EtcdCoord.connect. */
export interface EtcdCoordOptions {
  /** `host:port` (or `http://host:port`) of each member. */
  endpoints: string[];
  /** How long connect() waits for a first answer (default 5000 ms). */
  dialTimeoutMs?: number;
  /** Bound on every call, retries included (default 5000 ms); past it the call rejects with CANOPY_ERR_COORD_UNAVAILABLE. */
  callTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The coordination store on a real etcd cluster (client: etcd3). Every call
 * is bounded in time and every failure becomes a CoordError naming the
 * endpoints (retryable CANOPY_ERR_COORD_UNAVAILABLE when etcd is down), so
 * an etcd outage never crashes a daemon: calls reject, watches and leases
 * keep retrying in the background and report through their callbacks.
 *
 * Lease TTLs are whole seconds (ttlMs rounded up, at least 1 s). etcd itself
 * raises a shorter TTL to its minimum, 1.5 × election timeout (2 s with the
 * default 1000 ms election timeout); the keep-alive cadence and the 'lost'
 * watchdog here use the requested TTL, which is the safer (shorter) one.
 */
export class EtcdCoord implements CoordStore {
  readonly kind = 'etcd' as const;
  readonly endpoints: readonly string[];
  readonly #client: Etcd3;
  readonly #logger: Logger;
  readonly #callTimeoutMs: number;
  readonly #leases = new Set<EtcdLease>();
  readonly #watches = new Set<EtcdWatch>();
  readonly #watchCtx: EtcdWatchContext;
  #closed = false;

  private constructor(
    client: Etcd3,
    endpoints: readonly string[],
    callTimeoutMs: number,
    logger: Logger,
  ) {
    this.#client = client;
    this.endpoints = endpoints;
    this.#callTimeoutMs = callTimeoutMs;
    this.#logger = logger;
    this.#watchCtx = {
      client,
      logger,
      callTimeoutMs,
      describe: (err, what) => coordErrorOf(err, endpoints, what),
      readable: (rev) => this.#readable(rev),
    };
  }

  /** Connect and check that etcd answers within dialTimeoutMs (else CANOPY_ERR_COORD_UNAVAILABLE). */
  static async connect(o: EtcdCoordOptions): Promise<EtcdCoord> {
    if (o.endpoints.length === 0) {
      throw new CoordError(COORD_ERROR_CODES.url, 'etcd: no endpoints given');
    }
    const callTimeoutMs = o.callTimeoutMs ?? 5000;
    const client = new Etcd3({
      hosts: [...o.endpoints],
      // Unary calls get a deadline (a frozen etcd would otherwise hang them
      // forever); watch and keep-alive streams are long-lived by design.
      defaultCallOptions: (ctx: CallContext) =>
        ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs },
      faultHandling: { watchBackoff: watchBackoff(2000) },
      // HTTP/2 pings find a silently dead etcd (frozen, partitioned): without
      // them a watch or keep-alive stream waits forever. etcd refuses pings
      // more often than every 5 s (--grpc-keepalive-min-time).
      grpcOptions: { 'grpc.keepalive_time_ms': 10_000, 'grpc.keepalive_timeout_ms': 5000 },
    });
    const coord = new EtcdCoord(client, o.endpoints, callTimeoutMs, o.logger ?? createLogger());
    try {
      await coord.#call(
        'connect',
        () => client.kv.range({ key: Buffer.from([0]) }),
        o.dialTimeoutMs ?? 5000,
      );
    } catch (err) {
      client.close();
      throw err;
    }
    return coord;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.#call(`get ${key}`, () =>
      this.#client.kv.range({ key: Buffer.from(checkKey(key)) }),
    );
    const kv = res.kvs[0];
    return kv === undefined ? undefined : toKeyValue(kv);
  }

  async list(prefix: string): Promise<KeyValue[]> {
    const res = await this.#call(`list ${prefix}`, () =>
      this.#client.kv.range({ ...prefixRange(prefix), sort_order: 'Ascend', sort_target: 'Key' }),
    );
    return res.kvs.map(toKeyValue);
  }

  async put(key: string, value: string, opts?: PutOptions): Promise<number> {
    const lease = this.#leaseOf(opts?.lease);
    const res = await this.#call(`put ${key}`, () =>
      this.#client.kv.put({
        key: Buffer.from(checkKey(key)),
        value: Buffer.from(value),
        lease: lease?.id ?? 0,
      }),
    ).catch((err: unknown) => this.#leaseGone(err, lease));
    return Number(res.header.revision);
  }

  async delete(key: string): Promise<boolean> {
    const res = await this.#call(`delete ${key}`, () =>
      this.#client.kv.deleteRange({ key: Buffer.from(checkKey(key)) }),
    );
    return Number(res.deleted) > 0;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const res = await this.#call(`delete prefix ${prefix}`, () =>
      this.#client.kv.deleteRange(prefixRange(prefix)),
    );
    return Number(res.deleted);
  }

  async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<boolean> {
    checkTxnKeys(compares, ops);
    const leases = ops.flatMap((o) =>
      o.op === 'put' && o.lease !== undefined ? [this.#leaseOf(o.lease)] : [],
    );
    const success: IRequestOp[] = ops.map((o) =>
      o.op === 'put'
        ? {
            request_put: {
              key: Buffer.from(o.key),
              value: Buffer.from(o.value),
              lease: o.lease?.id ?? 0,
            },
          }
        : { request_delete_range: { key: Buffer.from(o.key) } },
    );
    const compare = compares.map((c) => ({
      key: Buffer.from(c.key),
      target: 'Mod' as const,
      result: 'Equal' as const,
      mod_revision: c.modRevision,
    }));
    const res = await this.#call('txn', () =>
      this.#client.kv.txn({ compare, success, failure: [] }),
    ).catch((err: unknown) => {
      for (const lease of leases) this.#leaseGone(err, lease).catch(() => undefined);
      throw err;
    });
    return res.succeeded;
  }

  async watch(
    prefix: string,
    onEvent: (e: WatchEvent) => void,
    opts?: WatchOptions,
  ): Promise<Watch> {
    this.#checkOpen();
    const w = await EtcdWatch.start(this.#watchCtx, prefix, onEvent, opts ?? {});
    this.#watches.add(w);
    return {
      close: () => {
        this.#watches.delete(w);
        return w.close();
      },
    };
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    this.#checkOpen();
    const ttlS = Math.max(1, Math.ceil(checkTtl(ttlMs) / 1000));
    const grantSentMs = Date.now();
    const inner = this.#client.lease(ttlS, { autoKeepAlive: true });
    // etcd3 emits 'lost' when the grant fails; the rejection below reports it.
    inner.on('lost', () => undefined);
    let id: string;
    try {
      id = await this.#call('grant lease', () => inner.grant());
    } catch (err) {
      inner.release();
      throw err;
    }
    const lease: EtcdLease = new EtcdLease({
      inner,
      id,
      ttlMs: ttlS * 1000,
      grantSentMs,
      logger: this.#logger,
      revoke: () => {
        this.#leases.delete(lease);
        return this.#call(`revoke lease ${id}`, () => inner.revoke());
      },
    });
    this.#leases.add(lease);
    return lease;
  }

  async revision(): Promise<number> {
    const res = await this.#call('revision', () =>
      this.#client.kv.range({ key: Buffer.from([0]) }),
    );
    return Number(res.header.revision);
  }

  /** Revoke a lease by id as an operator would (`etcdctl lease revoke`). False when etcd has no such lease. */
  async revokeLease(id: string): Promise<boolean> {
    try {
      await this.#call(`revoke lease ${id}`, () =>
        this.#client.leaseClient.leaseRevoke({ ID: id }),
      );
      return true;
    } catch (err) {
      if (err instanceof CoordError && err.code === COORD_ERROR_CODES.leaseLost) return false;
      throw err;
    }
  }

  /**
   * Stop watches and lease keep-alives (leases then expire by TTL on etcd),
   * then close the client. Resolves within about callTimeoutMs even if etcd
   * is frozen; gRPC then drops the dead streams at its next keepalive
   * timeout (~15 s), until which they still hold the event loop open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const lease of this.#leases) lease.release();
    this.#leases.clear();
    await Promise.all([...this.#watches].map((w) => w.close()));
    this.#watches.clear();
    this.#client.close();
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new CoordError(COORD_ERROR_CODES.closed, 'coordination store is closed');
  }

  async #call<T>(
    what: string,
    call: () => Promise<T>,
    timeoutMs = this.#callTimeoutMs,
  ): Promise<T> {
    this.#checkOpen();
    try {
      return await withDeadline(
        call(),
        timeoutMs,
        () =>
          new CoordError(
            COORD_ERROR_CODES.unavailable,
            `etcd ${this.endpoints.join(',')}: ${what}: no answer in ${timeoutMs} ms`,
          ),
      );
    } catch (err) {
      throw coordErrorOf(err, this.endpoints, what);
    }
  }

  #leaseOf(lease: Lease | undefined): EtcdLease | undefined {
    if (lease === undefined) return undefined;
    if (!(lease instanceof EtcdLease)) {
      throw new CoordError(
        COORD_ERROR_CODES.invalidArgument,
        `lease ${lease.id} was not granted by an etcd store`,
      );
    }
    if (!lease.usable)
      throw new CoordError(COORD_ERROR_CODES.leaseLost, `lease ${lease.id} has ended`);
    return lease;
  }

  /** etcd says the lease is gone: its holder learns it now, not at the next keep-alive. */
  async #leaseGone(err: unknown, lease: EtcdLease | undefined): Promise<never> {
    if (
      lease !== undefined &&
      err instanceof CoordError &&
      err.code === COORD_ERROR_CODES.leaseLost
    ) {
      lease.markLost('etcd refused a write with it');
    }
    throw err;
  }

  async #readable(rev: number): Promise<boolean> {
    try {
      await this.#call(`read at ${rev}`, () =>
        this.#client.kv.range({ key: Buffer.from([0]), revision: rev }),
      );
      return true;
    } catch (err) {
      if (err instanceof CoordError && err.code === COORD_ERROR_CODES.compacted) return false;
      // A future revision is fine: the watch simply waits for it.
      if (
        err instanceof CoordError &&
        /future revision/.test(String((err.cause as Error | undefined)?.message))
      )
        return true;
      throw err;
    }
  }
}
