import type { Clock, Logger } from '../common/index.js';
import type { AuthConfig, JsonValue, PeerRole, WireConnection } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import { Dialer } from './dialer.js';
import type { LinkState } from './dialer.js';
import type { ReplayBuffer } from './replay-buffer.js';
import { SenderSession } from './sender-session.js';

export interface UpstreamLinkOptions {
  host: string;
  port: number;
  /** Our name, sent in the hello. */
  name: string;
  role: PeerRole;
  auth: AuthConfig;
  buffer: ReplayBuffer;
  clock: Clock;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  /** Sets per data frame. */
  maxSetsPerFrame?: number;
  /** Reconnect when frames are in flight and nothing was acknowledged for this long. */
  ackTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Sent first on every new connection (e.g. the forwarding mode and delegation address). */
  greeting?: () => JsonValue;
  /** Control messages from the upstream (runtime changes); `reply` answers on the same connection. */
  onControl?: (body: unknown, reply: (body: JsonValue) => boolean) => void;
}

export interface LinkStats {
  state: LinkState;
  target: string;
  connects: number;
  disconnects: number;
  framesSent: number;
  setsSent: number;
  bytesSent: number;
  lastError: string | undefined;
}

/**
 * Push transport: dials the upstream and runs a SenderSession over each
 * connection, so the buffer drains while connected and the gap is replayed
 * after every reconnect.
 */
export class UpstreamLink {
  readonly #o: UpstreamLinkOptions;
  readonly #dialer: Dialer;
  #session: SenderSession | undefined;
  #nextSeq = 1;
  #totals = { framesSent: 0, setsSent: 0, bytesSent: 0 };

  constructor(options: UpstreamLinkOptions) {
    this.#o = options;
    this.#dialer = new Dialer({
      host: options.host,
      port: options.port,
      name: options.name,
      role: options.role,
      auth: options.auth,
      clock: options.clock,
      logger: options.logger,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.connectTimeoutMs === undefined
        ? {}
        : { connectTimeoutMs: options.connectTimeoutMs }),
      onConnected: (conn) => this.#attach(conn),
    });
  }

  get state(): LinkState {
    return this.#dialer.state;
  }

  start(): void {
    this.#dialer.start();
  }

  /** Send whatever the buffer holds now (called after new samples were pushed). */
  kick(): void {
    this.#session?.kick();
  }

  stats(): LinkStats {
    const d = this.#dialer.stats();
    const live = this.#session?.counters ?? { framesSent: 0, setsSent: 0, bytesSent: 0 };
    return {
      state: d.state,
      target: this.#dialer.target,
      connects: d.connects,
      disconnects: d.disconnects,
      lastError: d.lastError,
      framesSent: this.#totals.framesSent + live.framesSent,
      setsSent: this.#totals.setsSent + live.setsSent,
      bytesSent: this.#totals.bytesSent + live.bytesSent,
    };
  }

  async close(): Promise<void> {
    this.#dialer.close();
    await Promise.resolve();
  }

  #attach(conn: WireConnection): () => void {
    const greeting = this.#o.greeting?.();
    if (greeting !== undefined) conn.sendControl(greeting);
    const session = new SenderSession({
      conn,
      buffer: this.#o.buffer,
      clock: this.#o.clock,
      maxSetsPerFrame: this.#o.maxSetsPerFrame ?? 2048,
      ackTimeoutMs: this.#o.ackTimeoutMs ?? 15_000,
      firstSeq: this.#nextSeq,
      ...(this.#o.onControl ? { onControl: this.#o.onControl } : {}),
    });
    this.#session = session;
    conn.onMessage((m) => session.onMessage(m));
    session.kick();
    return () => {
      session.stop();
      this.#nextSeq = session.nextSeq;
      this.#totals.framesSent += session.counters.framesSent;
      this.#totals.setsSent += session.counters.setsSent;
      this.#totals.bytesSent += session.counters.bytesSent;
      if (this.#session === session) this.#session = undefined;
    };
  }
}
