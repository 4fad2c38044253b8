import type { Lease as Etcd3Lease } from 'etcd3';
import type { Logger } from '../common/index.js';
import { COORD_ERROR_CODES, CoordError } from './errors.js';
import { LostListeners } from './lost-listeners.js';
import type { Lease } from './types.js';

type LeaseState = 'alive' | 'released' | 'revoked' | 'lost';

/** How long a lost lease is still revoked in the background while etcd is unreachable. */
const REVOKE_RETRY_MS = 120_000;

/**
 * An etcd lease (etcd3 keeps it alive every ttl/3). etcd3 itself reports a
 * loss only when etcd says the lease is gone or after 2×TTL without contact;
 * a watchdog here declares it lost once no keep-alive has been acknowledged
 * for one TTL, counted from when the acknowledged keep-alive was *sent* —
 * by then etcd may have expired it, so a leader must step down.
 */
export class EtcdLease implements Lease {
  readonly id: string;
  readonly ttlMs: number;
  readonly #inner: Etcd3Lease;
  readonly #lost: LostListeners;
  readonly #logger: Logger;
  readonly #revokeRemote: () => Promise<void>;
  readonly #watchdog: NodeJS.Timeout;
  #state: LeaseState = 'alive';
  /** Send time of the keep-alive the last acknowledgement answers. */
  #lastAckedSendMs: number;
  /** Send time of the oldest keep-alive not yet acknowledged. */
  #oldestUnackedMs: number | undefined;
  #revoking: Promise<void> | undefined;

  constructor(o: {
    inner: Etcd3Lease;
    id: string;
    ttlMs: number;
    grantSentMs: number;
    logger: Logger;
    /** Revoke on the server, errors mapped to CoordError. */
    revoke: () => Promise<void>;
  }) {
    this.#inner = o.inner;
    this.id = o.id;
    this.ttlMs = o.ttlMs;
    this.#logger = o.logger;
    this.#revokeRemote = o.revoke;
    this.#lost = new LostListeners(o.logger, `lease ${o.id}`);
    this.#lastAckedSendMs = o.grantSentMs;
    o.inner.on('keepaliveFired', () => (this.#oldestUnackedMs ??= Date.now()));
    o.inner.on('keepaliveSucceeded', () => {
      this.#lastAckedSendMs = this.#oldestUnackedMs ?? Date.now();
      this.#oldestUnackedMs = undefined;
    });
    o.inner.on('lost', (err) => this.markLost(String(err?.message ?? err)));
    this.#watchdog = setInterval(() => this.#check(), Math.max(50, Math.floor(o.ttlMs / 4)));
    this.#watchdog.unref();
  }

  /** Still usable for puts (not revoked or lost; a released lease lives until its TTL runs out). */
  get usable(): boolean {
    return this.#state === 'alive' || this.#state === 'released';
  }

  onLost(listener: () => void): void {
    this.#lost.add(listener);
  }

  revoke(): Promise<void> {
    if (this.#state === 'alive' || this.#state === 'released') this.#stop('revoked');
    this.#revoking ??= this.#revokeRemote().catch((err: unknown) => {
      // Let a later revoke() try again; keep-alive has stopped, so the
      // lease expires on the server by its TTL in any case.
      this.#revoking = undefined;
      throw err;
    });
    return this.#revoking;
  }

  /** Stop keep-alive without revoking: etcd expires the lease after its TTL, as for a crashed holder. No 'lost'. */
  release(): void {
    if (this.#state === 'alive') this.#stop('released');
  }

  /** etcd said the lease is gone, or keep-alive failed past the TTL. */
  markLost(reason: string): void {
    if (this.#state !== 'alive') return;
    this.#stop('lost');
    this.#logger.warn('coord: etcd lease lost', { lease: this.id, reason });
    this.#revokeUntilGone();
    this.#lost.fire();
  }

  /**
   * etcd may still hold a lease we gave up on: a new etcd leader extends
   * every lease by its TTL, so after an outage the keys (a leader key, a
   * membership) would linger. Keep revoking until etcd answers — a revoke
   * of an unknown lease succeeds too — so they go as soon as it is back.
   */
  #revokeUntilGone(): void {
    const deadline = Date.now() + REVOKE_RETRY_MS;
    const attempt = (): void => {
      this.#revokeRemote().catch((err: unknown) => {
        const closed = err instanceof CoordError && err.code === COORD_ERROR_CODES.closed;
        if (!closed && Date.now() < deadline) setTimeout(attempt, 500).unref();
      });
    };
    attempt();
  }

  #stop(state: LeaseState): void {
    this.#state = state;
    clearInterval(this.#watchdog);
    this.#inner.release();
  }

  #check(): void {
    if (Date.now() - this.#lastAckedSendMs > this.ttlMs) {
      this.markLost(`no keep-alive acknowledged for ${this.ttlMs} ms`);
    }
  }
}
