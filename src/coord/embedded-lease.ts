import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { LostListeners } from './lost-listeners.js';
import type { Lease } from './types.js';

/** What an embedded lease needs from its store. */
export interface LeaseHost {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Delete the lease's keys (one revision) and forget it. */
  endLease(lease: EmbeddedLease): Promise<void>;
}

/**
 * A lease of the embedded store. The holder lives in the store's own
 * process, so keep-alive cannot fail: the lease lives until revoke(), an
 * administrative EmbeddedCoord.revokeLease(), or release() (which stops the
 * keep-alive, as a crashed holder would, and lets the TTL run out).
 */
export class EmbeddedLease implements Lease {
  readonly id: string;
  readonly ttlMs: number;
  readonly #host: LeaseHost;
  readonly #lost: LostListeners;
  #expiresAtMs: number;
  #timer: TimerHandle | undefined;
  #released = false;
  #ended = false;
  #ending: Promise<void> | undefined;

  constructor(host: LeaseHost, id: string, ttlMs: number) {
    this.#host = host;
    this.id = id;
    this.ttlMs = ttlMs;
    this.#lost = new LostListeners(host.logger, `lease ${id}`);
    this.#expiresAtMs = host.clock.now() + ttlMs;
    this.#schedule();
  }

  /** True until the lease is revoked, expires or is lost. */
  get alive(): boolean {
    return !this.#ended;
  }

  onLost(listener: () => void): void {
    this.#lost.add(listener);
  }

  revoke(): Promise<void> {
    this.#ending ??= this.#host.endLease(this);
    return this.#ending;
  }

  /** Stop keeping the lease alive: it expires after its TTL, as if the holder had crashed. No 'lost'. */
  release(): void {
    this.#released = true;
  }

  /** The store ended the lease (its keys are gone). `lost` says whether the holder must be told. */
  markEnded(lost: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    if (lost) this.#lost.fire();
  }

  /** The store closed: stop the timer; nothing is deleted or fired. */
  stop(): void {
    this.#ended = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /**
   * One timer per lease, every ttl/3 like an etcd client's keep-alive. A
   * kept-alive lease only moves its expiry forward: even if the event loop
   * stalled past the TTL, the holder is this very process and is alive, so
   * expiring it would be a false loss.
   */
  #schedule(): void {
    const now = this.#host.clock.now();
    const delayMs = this.#released
      ? Math.max(0, this.#expiresAtMs - now)
      : Math.max(1, Math.floor(this.ttlMs / 3));
    this.#timer = this.#host.clock.setTimeout(() => this.#tick(), delayMs);
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#ended) return;
    const now = this.#host.clock.now();
    if (!this.#released) {
      this.#expiresAtMs = now + this.ttlMs;
    } else if (now >= this.#expiresAtMs) {
      this.#ending ??= this.#host.endLease(this).catch((err: unknown) => {
        this.#host.logger.error('coord: expiring a lease failed', { lease: this.id, err });
      });
      return;
    }
    this.#schedule();
  }
}
