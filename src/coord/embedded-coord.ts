import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createLogger, systemClock } from '../common/index.js';
import type { Clock, Logger } from '../common/index.js';
import { CoordLog } from './coord-log.js';
import type { LoadedLog } from './coord-log.js';
import { EmbeddedLease } from './embedded-lease.js';
import type { LeaseHost } from './embedded-lease.js';
import { EmbeddedWatch } from './embedded-watch.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { KvState } from './kv-state.js';
import type { Mutation, RevisionEvents } from './kv-state.js';
import { acquireDirLock } from './lock-file.js';
import type { DirLock } from './lock-file.js';
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

/** Options of EmbeddedCoord.open. */
export interface EmbeddedCoordOptions {
  /** Directory for LOCK, coord.log and coord.snapshot; undefined = memory only. */
  dir: string | undefined;
  /** Drives lease keep-alive and expiry (tests pass a ManualClock). */
  clock?: Clock;
  logger?: Logger;
  /** Revisions kept in memory for watch replay (default 10 000). */
  historyLimit?: number;
  /** Write a snapshot and empty the log after this many records (default 10 000). */
  snapshotEveryRecords?: number;
}

/**
 * The coordination store in-process, for one machine (`canopy up`), with
 * the same semantics as etcd. Every write is applied in memory, appended to
 * `coord.log` (group-committed, fsynced) and only then acknowledged and shown
 * to watches. A snapshot replaces the log every `snapshotEveryRecords`.
 * Keys attached to leases do not survive a restart: leases die with the
 * process, as with a crashed etcd client, so reopening deletes them in one
 * new revision. After an I/O failure the store refuses writes (reads go on)
 * until it is reopened.
 */
export class EmbeddedCoord implements CoordStore {
  readonly kind = 'embedded' as const;
  /** The directory, or undefined for a memory-only store. */
  readonly dir: string | undefined;
  readonly #state: KvState;
  readonly #log: CoordLog | undefined;
  readonly #lock: DirLock | undefined;
  readonly #logger: Logger;
  readonly #snapshotEvery: number;
  readonly #leases = new Map<string, EmbeddedLease>();
  readonly #leaseHost: LeaseHost;
  readonly #leaseIdPrefix = randomBytes(4).toString('hex');
  #leaseSeq = 0;
  readonly #watches = new Set<EmbeddedWatch>();
  /** Revisions applied in memory whose record is not durable yet, in order; watches see them once it is. */
  readonly #unreleased: RevisionEvents[] = [];
  #releasedRevision: number;
  #closed = false;

  private constructor(o: {
    dir: string | undefined;
    state: KvState;
    log: CoordLog | undefined;
    lock: DirLock | undefined;
    clock: Clock;
    logger: Logger;
    snapshotEvery: number;
  }) {
    this.dir = o.dir;
    this.#state = o.state;
    this.#log = o.log;
    this.#lock = o.lock;
    this.#logger = o.logger;
    this.#snapshotEvery = o.snapshotEvery;
    this.#releasedRevision = o.state.revision;
    this.#leaseHost = {
      clock: o.clock,
      logger: o.logger,
      endLease: (l) => this.#endLease(l, false),
    };
  }

  /** Open (or create) a store; a directory is locked against other processes (CANOPY_ERR_COORD_LOCKED). */
  static async open(o: EmbeddedCoordOptions): Promise<EmbeddedCoord> {
    const logger = o.logger ?? createLogger();
    const state = new KvState(o.historyLimit ?? 10_000);
    const base = {
      state,
      clock: o.clock ?? systemClock,
      logger,
      snapshotEvery: o.snapshotEveryRecords ?? 10_000,
    };
    if (o.dir === undefined)
      return new EmbeddedCoord({ ...base, dir: undefined, log: undefined, lock: undefined });
    await mkdir(o.dir, { recursive: true }).catch((err: unknown) => {
      throw new CoordError(
        COORD_ERROR_CODES.io,
        `cannot create ${o.dir}: ${(err as Error).message}`,
        { cause: err },
      );
    });
    const lock = await acquireDirLock(o.dir);
    try {
      const { log, loaded } = await CoordLog.open(o.dir, logger);
      replay(state, loaded, o.dir);
      const coord = new EmbeddedCoord({ ...base, dir: o.dir, log, lock });
      await coord.#dropStaleLeaseKeys();
      return coord;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  get(key: string): Promise<KeyValue | undefined> {
    return this.#read(() => this.#state.get(checkKey(key)));
  }

  list(prefix: string): Promise<KeyValue[]> {
    return this.#read(() => this.#state.list(prefix));
  }

  async put(key: string, value: string, opts?: PutOptions): Promise<number> {
    const lease = this.#leaseIdOf(opts?.lease);
    const rev = await this.#commit([{ op: 'put', key: checkKey(key), value, lease }]);
    return rev!.revision;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#commit([{ op: 'delete', key: checkKey(key) }])) !== undefined;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.#checkOpen();
    const keys = this.#state.list(prefix).map((kv) => kv.key);
    if (keys.length > 0) await this.#commit(keys.map((key) => ({ op: 'delete', key })));
    return keys.length;
  }

  async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<boolean> {
    this.#checkOpen();
    checkTxnKeys(compares, ops);
    const muts: Mutation[] = ops.map((o) =>
      o.op === 'put'
        ? { op: 'put', key: o.key, value: o.value, lease: this.#leaseIdOf(o.lease) }
        : { op: 'delete', key: o.key },
    );
    // Compare and apply in one synchronous stretch: nothing can interleave.
    if (!compares.every((c) => this.#state.modRevision(c.key) === c.modRevision)) return false;
    await this.#commit(muts);
    return true;
  }

  async watch(
    prefix: string,
    onEvent: (e: WatchEvent) => void,
    opts?: WatchOptions,
  ): Promise<Watch> {
    this.#checkOpen();
    const after = opts?.afterRevision;
    if (after !== undefined && after < this.#state.compactedRevision) {
      throw new CoordError(
        COORD_ERROR_CODES.compacted,
        `watch ${prefix}: revision ${after} is compacted (history starts after ${this.#state.compactedRevision})`,
      );
    }
    const w = new EmbeddedWatch({
      prefix,
      onEvent,
      onError: opts?.onError,
      logger: this.#logger,
      afterRevision: after ?? this.#state.revision,
      detach: (x) => this.#watches.delete(x),
    });
    if (after !== undefined) {
      for (const rev of this.#state.historyAfter(after, this.#releasedRevision)) w.offer(rev);
    }
    this.#watches.add(w);
    return w;
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    this.#checkOpen();
    const lease = new EmbeddedLease(
      this.#leaseHost,
      `${this.#leaseIdPrefix}${(++this.#leaseSeq).toString(16).padStart(4, '0')}`,
      checkTtl(ttlMs),
    );
    this.#leases.set(lease.id, lease);
    return lease;
  }

  async revision(): Promise<number> {
    this.#checkOpen();
    return this.#state.revision;
  }

  /**
   * Revoke a lease by id as an operator would (`etcdctl lease revoke`): its
   * keys are deleted and its holder's 'lost' fires. False when no such lease.
   */
  async revokeLease(id: string): Promise<boolean> {
    this.#checkOpen();
    const lease = this.#leases.get(id);
    if (lease === undefined) return false;
    await this.#endLease(lease, true);
    return true;
  }

  /** Write a snapshot now and empty the log (no-op in memory). */
  async snapshot(): Promise<void> {
    this.#checkOpen();
    await this.#log?.snapshot(() => this.#state.image());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Leases die with the store; their keys go at the next open.
    for (const lease of this.#leases.values()) lease.stop();
    this.#leases.clear();
    for (const w of [...this.#watches]) await w.close();
    await this.#log?.close();
    await this.#lock?.release();
  }

  async #read<T>(read: () => T): Promise<T> {
    this.#checkOpen();
    return read();
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new CoordError(COORD_ERROR_CODES.closed, 'coordination store is closed');
  }

  /**
   * Apply `muts` as one revision now (synchronously, so call order is
   * revision order), then wait until it is durable before acknowledging it
   * and releasing its events to watches.
   */
  async #commit(muts: Mutation[]): Promise<RevisionEvents | undefined> {
    this.#checkOpen();
    const failure = this.#log?.failure;
    if (failure !== undefined) throw failure;
    const rev = this.#state.apply(muts);
    if (rev === undefined) return undefined;
    this.#unreleased.push(rev);
    await this.#log?.append({ rev: rev.revision, ops: muts });
    this.#release(rev.revision);
    this.#maybeSnapshot();
    return rev;
  }

  #release(upTo: number): void {
    while (this.#unreleased.length > 0 && this.#unreleased[0]!.revision <= upTo) {
      const rev = this.#unreleased.shift()!;
      this.#releasedRevision = rev.revision;
      for (const w of this.#watches) w.offer(rev);
    }
  }

  #maybeSnapshot(): void {
    const log = this.#log;
    if (log === undefined || log.snapshotQueued || log.recordsSinceSnapshot < this.#snapshotEvery)
      return;
    log
      .snapshot(() => this.#state.image())
      .catch((err: unknown) => {
        this.#logger.error('coord: snapshot failed', { dir: this.dir, err });
      });
  }

  #leaseIdOf(lease: Lease | undefined): string | undefined {
    if (lease === undefined) return undefined;
    if (this.#leases.get(lease.id) === lease) return lease.id;
    if (lease instanceof EmbeddedLease && !lease.alive) {
      throw new CoordError(COORD_ERROR_CODES.leaseLost, `lease ${lease.id} has ended`);
    }
    throw new CoordError(
      COORD_ERROR_CODES.invalidArgument,
      `lease ${lease.id} was not granted by this store`,
    );
  }

  async #endLease(lease: EmbeddedLease, lost: boolean): Promise<void> {
    if (this.#leases.get(lease.id) !== lease) {
      lease.markEnded(false);
      return;
    }
    this.#leases.delete(lease.id);
    lease.markEnded(lost);
    const keys = this.#state.keysOfLease(lease.id);
    if (keys.length > 0 && !this.#closed)
      await this.#commit(keys.map((key) => ({ op: 'delete', key })));
  }

  /** Keys of leases granted before a restart: their holders are gone with the old process. */
  async #dropStaleLeaseKeys(): Promise<void> {
    const keys = this.#state.leasedKeys();
    if (keys.length === 0) return;
    this.#logger.info('coord: deleting keys of leases from before the restart', {
      dir: this.dir,
      keys: keys.length,
    });
    await this.#commit(keys.map((key) => ({ op: 'delete', key })));
  }
}

/** Rebuild the state from a snapshot and the log after it. */
function replay(state: KvState, loaded: LoadedLog, dir: string): void {
  if (loaded.image !== undefined) state.restore(loaded.image);
  for (const record of loaded.records) {
    const rev = state.apply(record.ops);
    if (rev?.revision !== record.rev) {
      throw new CoordError(
        COORD_ERROR_CODES.corrupt,
        `${dir}/coord.log: record ${record.rev} does not apply`,
      );
    }
  }
}
