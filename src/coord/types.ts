/**
 * The coordination-store contract shared by the etcd and embedded
 * implementations. Both give the same semantics: one global revision that
 * every write bumps once (a transaction or a prefix delete is one revision),
 * leases whose expiry deletes their keys, and prefix watches that deliver
 * events in revision order.
 */

/** One key as stored. Revisions follow etcd: an empty store is at revision 1. */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the last write to this key. */
  modRevision: number;
  /** Revision at which this key was created (since its last delete). */
  createRevision: number;
  /** Id of the lease the key is attached to, if any. */
  lease: string | undefined;
}

/** A change seen by a watch. A lease expiry shows up as deletes of its keys. */
export type WatchEvent =
  | { type: 'put'; key: string; value: string; modRevision: number }
  | { type: 'delete'; key: string; modRevision: number };

/** A lease: keys attached to it are deleted when it expires or is revoked. */
export interface Lease {
  /** Opaque, stable id (the etcd lease id in decimal, or an embedded id). */
  readonly id: string;
  /** TTL as granted (etcd: whole seconds, at least 1 s; see EtcdCoord for etcd's own minimum). */
  readonly ttlMs: number;
  /**
   * Kept alive automatically (every ttl/3) until revoke(); 'lost' fires
   * once if keep-alive fails past the TTL or the store says the lease is
   * gone. A listener added after the loss is called at once (asynchronously).
   */
  onLost(listener: () => void): void;
  /** Idempotent; deletes the keys attached to the lease. Does not fire 'lost'. */
  revoke(): Promise<void>;
}

/** A running watch. */
export interface Watch {
  /** Stop delivering events; idempotent. */
  close(): Promise<void>;
}

/** Holds when the key's modRevision equals `modRevision`; 0 = the key must be absent. */
export type TxnCompare = { key: string; modRevision: number };

/** One write of a transaction. A transaction may touch each key once. */
export type TxnOp =
  { op: 'put'; key: string; value: string; lease?: Lease } | { op: 'delete'; key: string };

/** Options of CoordStore.watch. */
export interface WatchOptions {
  /** Replay events with a revision above this one first (else start from now). */
  afterRevision?: number;
  /** Told about trouble (lost connection, a listener that threw); never throws into the caller. */
  onError?: (err: Error) => void;
}

/** Options of CoordStore.put. */
export interface PutOptions {
  /** Attach the key to this lease (it is deleted when the lease ends). Without it the key is detached from any lease. */
  lease?: Lease;
}

/** A key-value store with revisions, leases and watches (etcd, or the embedded store). */
export interface CoordStore {
  readonly kind: 'etcd' | 'embedded';
  get(key: string): Promise<KeyValue | undefined>;
  /** Keys starting with `prefix`, sorted by key. */
  list(prefix: string): Promise<KeyValue[]>;
  /** Returns the new revision. */
  put(key: string, value: string, opts?: PutOptions): Promise<number>;
  /** True if the key existed. */
  delete(key: string): Promise<boolean>;
  /** Number of keys deleted (all in one revision). */
  deletePrefix(prefix: string): Promise<number>;
  /** All compares hold → apply ops atomically (one revision) and return true; else apply nothing, return false. */
  txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<boolean>;
  /**
   * Events for keys under prefix, in revision order, starting after
   * `afterRevision` when given (else from now). The watch re-establishes
   * itself after a connection loss (etcd) without losing or duplicating
   * events when history allows; `onError` reports trouble (never throws
   * into the caller). Rejects with CANOPY_ERR_COORD_COMPACTED when
   * `afterRevision` is older than the history kept.
   */
  watch(prefix: string, onEvent: (e: WatchEvent) => void, opts?: WatchOptions): Promise<Watch>;
  grantLease(ttlMs: number): Promise<Lease>;
  /** Current revision of the store. */
  revision(): Promise<number>;
  close(): Promise<void>;
}
