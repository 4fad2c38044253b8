import { createLogger } from '../common/index.js';
import type { Logger } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import type { CoordStore, KeyValue, Lease, TxnCompare, Watch } from './types.js';

/** Options of an Election. */
export interface ElectionOptions {
  store: CoordStore;
  /** Key prefix of the election, e.g. '/canopy/lab/leader'. */
  name: string;
  /** This candidate's id (the value a leader() lookup returns). */
  id: string;
  /** TTL of the candidate's lease: how long a dead leader blocks the others. */
  ttlMs: number;
  logger?: Logger;
}

const MAX_BACKOFF_MS = 5000;

/**
 * Leader election over any CoordStore, like etcd's concurrency election.
 * Each candidate puts `<name>/<leaseId>` = id with its own lease; the key
 * with the lowest createRevision leads. The others each watch only the key
 * just before theirs (no thundering herd when the leader goes) and look
 * again when it is deleted. Losing the lease, or the leader key being
 * deleted or overwritten, is losing leadership; `guard()` turns "still
 * leader" into a transaction compare so a deposed leader's writes fail.
 */
export class Election {
  readonly #store: CoordStore;
  readonly #name: string;
  readonly #prefix: string;
  readonly #id: string;
  readonly #ttlMs: number;
  readonly #logger: Logger;
  readonly #lostListeners: (() => void)[] = [];
  #lease: Lease | undefined;
  #leader: { key: string; modRevision: number; watch: Watch } | undefined;
  #campaign: Promise<void> | undefined;
  /** Bumped by resign(): a campaign of an older generation stops. */
  #generation = 0;
  /** Ends the current wait (predecessor watch or backoff) early. */
  #wake: (() => void) | undefined;

  constructor(o: ElectionOptions) {
    this.#store = o.store;
    this.#name = o.name;
    this.#prefix = `${o.name}/`;
    this.#id = o.id;
    this.#ttlMs = o.ttlMs;
    this.#logger = (o.logger ?? createLogger()).child({ election: o.name, candidate: o.id });
  }

  /**
   * Resolves when this candidate is leader; keeps campaigning through store
   * errors (retrying with backoff). Rejects with CANOPY_ERR_COORD_CANCELLED
   * if resign() is called first, CANOPY_ERR_COORD_CLOSED if the store closes.
   * After a loss, call it again to stand again.
   */
  campaign(): Promise<void> {
    if (this.#leader !== undefined) return Promise.resolve();
    this.#campaign ??= this.#campaignLoop(this.#generation).finally(
      () => (this.#campaign = undefined),
    );
    return this.#campaign;
  }

  get isLeader(): boolean {
    return this.#leader !== undefined;
  }

  /** Fires each time leadership is lost (lease lost, key deleted or overwritten, resign). */
  onLost(listener: () => void): void {
    this.#lostListeners.push(listener);
  }

  /** The current leader's id (undefined when there is none). */
  async leader(): Promise<string | undefined> {
    return (await this.#candidates())[0]?.value;
  }

  /**
   * A compare that holds only while we are still leader: the leader key at
   * the revision we won it with. When not leader, one that never holds.
   */
  guard(): TxnCompare {
    if (this.#leader === undefined)
      return { key: this.#name, modRevision: Number.MAX_SAFE_INTEGER };
    return { key: this.#leader.key, modRevision: this.#leader.modRevision };
  }

  /**
   * Step down (or stop campaigning): the lease is revoked, so the key goes
   * at once and the next candidate takes over. Never rejects: if the store
   * is unreachable the key expires with the lease TTL instead.
   */
  async resign(): Promise<void> {
    this.#generation++;
    this.#wake?.();
    const lease = this.#lease;
    this.#lease = undefined;
    this.#loseLeadership('resigned');
    try {
      await lease?.revoke();
    } catch (err) {
      this.#logger.warn('election: could not revoke the lease on resign; it expires with its TTL', {
        err,
      });
    }
  }

  async #campaignLoop(gen: number): Promise<void> {
    let backoffMs = 100;
    for (;;) {
      this.#checkGeneration(gen);
      try {
        if (await this.#attempt(gen)) return;
        backoffMs = 100;
      } catch (err) {
        this.#checkGeneration(gen);
        if (err instanceof CoordError && err.code === COORD_ERROR_CODES.closed) throw err;
        if (err instanceof CoordError && err.code === COORD_ERROR_CODES.leaseLost) {
          // The lease died under us (the store said so before 'lost' arrived): take a new one now.
          if (this.#lease !== undefined) this.#dropLease(this.#lease);
          continue;
        }
        const delayMs = Math.round(backoffMs * (0.5 + Math.random()));
        this.#logger.warn('election: store error, campaigning again', { err, retryInMs: delayMs });
        await this.#sleep(delayMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** One round: true when we lead; false to look again (predecessor gone, lease lost). */
  async #attempt(gen: number): Promise<boolean> {
    const lease = await this.#ensureLease(gen);
    const key = `${this.#prefix}${lease.id}`;
    // Create-if-absent, so a retry after an unanswered put changes nothing.
    await this.#store.txn([{ key, modRevision: 0 }], [{ op: 'put', key, value: this.#id, lease }]);
    const candidates = await this.#candidates();
    this.#checkGeneration(gen);
    const idx = candidates.findIndex((kv) => kv.key === key);
    if (idx < 0) {
      // Our key is gone (lease lost, or deleted by hand): start over with a new lease.
      this.#dropLease(lease);
      return false;
    }
    if (idx === 0) return this.#becomeLeader(candidates[0]!, lease, gen);
    await this.#waitGone(candidates[idx - 1]!, gen);
    return false;
  }

  async #ensureLease(gen: number): Promise<Lease> {
    if (this.#lease !== undefined) return this.#lease;
    const lease = await this.#store.grantLease(this.#ttlMs);
    if (gen !== this.#generation) {
      await lease.revoke().catch(() => undefined);
      this.#checkGeneration(gen);
    }
    lease.onLost(() => {
      if (this.#lease !== lease) return;
      this.#lease = undefined;
      this.#wake?.();
      this.#loseLeadership('lease lost');
    });
    this.#lease = lease;
    return lease;
  }

  /** Candidate keys (direct children with a lease), oldest first. */
  async #candidates(): Promise<KeyValue[]> {
    const all = await this.#store.list(this.#prefix);
    return all
      .filter((kv) => kv.lease !== undefined && !kv.key.slice(this.#prefix.length).includes('/'))
      .sort((a, b) => a.createRevision - b.createRevision);
  }

  async #becomeLeader(kv: KeyValue, lease: Lease, gen: number): Promise<boolean> {
    // Watch our own key from the revision we saw it at, so a delete or
    // overwrite in between is not missed.
    const watch = await this.#store.watch(
      kv.key,
      (e) => {
        if (e.key === kv.key)
          this.#loseLeadership(`leader key ${e.type === 'delete' ? 'deleted' : 'overwritten'}`);
      },
      {
        afterRevision: kv.modRevision,
        onError: (err) => {
          // Missed history means a missed delete is possible: step down.
          if (err instanceof CoordError && err.code === COORD_ERROR_CODES.compacted)
            this.#loseLeadership('leader watch lost history');
        },
      },
    );
    if (gen !== this.#generation || this.#lease !== lease) {
      await watch.close();
      this.#checkGeneration(gen);
      return false;
    }
    this.#leader = { key: kv.key, modRevision: kv.modRevision, watch };
    this.#logger.info('election: became leader', { key: kv.key, revision: kv.modRevision });
    return true;
  }

  #waitGone(pred: KeyValue, gen: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      let watch: Watch | undefined;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        this.#wake = undefined;
        watch?.close().catch(() => undefined);
        if (err === undefined) resolve();
        else reject(err);
      };
      this.#wake = () => finish();
      this.#store
        .watch(pred.key, (e) => e.key === pred.key && e.type === 'delete' && finish(), {
          afterRevision: pred.modRevision,
          onError: (err) =>
            err instanceof CoordError && err.code === COORD_ERROR_CODES.compacted && finish(),
        })
        .then(
          (w) => {
            if (done) w.close().catch(() => undefined);
            else watch = w;
          },
          (err: unknown) => finish(err),
        );
      if (this.#lease === undefined || gen !== this.#generation) finish();
    });
  }

  #loseLeadership(reason: string): void {
    const leader = this.#leader;
    if (leader === undefined) return;
    this.#leader = undefined;
    leader.watch.close().catch(() => undefined);
    this.#logger.warn('election: leadership lost', { reason, key: leader.key });
    // The lease may outlive the key (deleted by hand): retire it so the next
    // campaign starts with a fresh key at the back of the queue.
    if (reason !== 'resigned' && this.#lease !== undefined) this.#dropLease(this.#lease);
    const listeners = [...this.#lostListeners];
    queueMicrotask(() => {
      for (const l of listeners) {
        try {
          l();
        } catch (err) {
          this.#logger.error("election: a 'lost' listener threw", { err });
        }
      }
    });
  }

  #dropLease(lease: Lease): void {
    if (this.#lease === lease) this.#lease = undefined;
    lease
      .revoke()
      .catch((err: unknown) =>
        this.#logger.warn('election: revoking an old lease failed', { err }),
      );
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #checkGeneration(gen: number): void {
    if (gen !== this.#generation) {
      throw new CoordError(
        COORD_ERROR_CODES.cancelled,
        `campaign for ${this.#name} ended by resign()`,
      );
    }
  }
}
