import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import { connectWire } from '../protocol/index.js';
import type { AuthConfig, PeerRole, WireConnection } from '../protocol/index.js';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';

/** Explicit state of an outgoing link. */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface DialerOptions {
  host: string;
  port: number;
  /** Our name and role in the hello. */
  name: string;
  role: PeerRole;
  auth: AuthConfig;
  clock: Clock;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  connectTimeoutMs?: number;
  /** Called once per established connection; the returned function is called when it ends. */
  onConnected: (conn: WireConnection) => () => void;
}

export interface DialerStats {
  state: LinkState;
  connects: number;
  disconnects: number;
  lastError: string | undefined;
}

/**
 * Keeps one outgoing wire connection up: connects, and after any failure or
 * disconnect waits a randomised, exponentially growing delay and tries again,
 * until closed. What runs over the connection is the owner's business.
 */
export class Dialer {
  readonly #o: DialerOptions;
  readonly #backoff: Backoff;
  #state: LinkState = 'idle';
  #conn: WireConnection | undefined;
  #retryTimer: TimerHandle | undefined;
  #stats: DialerStats = { state: 'idle', connects: 0, disconnects: 0, lastError: undefined };

  constructor(options: DialerOptions) {
    this.#o = options;
    this.#backoff = new Backoff(options.backoff);
  }

  get state(): LinkState {
    return this.#state;
  }

  get target(): string {
    return `${this.#o.host}:${this.#o.port}`;
  }

  stats(): DialerStats {
    return { ...this.#stats, state: this.#state };
  }

  start(): void {
    if (this.#state === 'idle') this.#connect();
  }

  close(): void {
    this.#state = 'closed';
    this.#retryTimer?.cancel();
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.close();
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    this.#state = 'connecting';
    const o = this.#o;
    connectWire({
      host: o.host,
      port: o.port,
      role: o.role,
      name: o.name,
      auth: o.auth,
      ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }),
    }).then(
      (conn) => this.#onConnected(conn),
      (err: unknown) => this.#retry(toError(err)),
    );
  }

  #onConnected(conn: WireConnection): void {
    if (this.#state === 'closed') {
      conn.close();
      return;
    }
    this.#conn = conn;
    this.#backoff.reset();
    this.#stats.connects++;
    this.#state = 'connected';
    this.#o.logger.info('link connected', { target: this.target, peer: conn.peer.name });
    const ended = this.#o.onConnected(conn);
    conn.onClose((err) => {
      ended();
      if (this.#conn !== conn) return;
      this.#conn = undefined;
      this.#stats.disconnects++;
      this.#retry(err ?? new Error('connection closed by peer'));
    });
  }

  #retry(err: Error): void {
    if (this.#state === 'closed') return;
    this.#stats.lastError = err.message;
    const delayMs = this.#backoff.next();
    this.#o.logger.warn('link unavailable', {
      target: this.target,
      error: err,
      retryInMs: delayMs,
    });
    this.#state = 'backoff';
    this.#retryTimer = this.#o.clock.setTimeout(() => this.#connect(), delayMs);
  }
}
