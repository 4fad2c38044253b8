import { toError } from '../common/index.js';
import type { Clock, Logger } from '../common/index.js';
import type { AuthConfig, JsonValue, WireConnection } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import { controlBody, trySendControl } from './control.js';
import type { ForwardMode } from './control.js';
import { Dialer } from './dialer.js';
import type { DialerStats } from './dialer.js';
import { ReceiverSession } from './receiver-session.js';
import type { PeerInfo, ReceivedSample, ReceiverCounters } from './receiver-session.js';

export interface PullLinkOptions {
  host: string;
  port: number;
  name: string;
  auth: AuthConfig;
  mode: ForwardMode;
  clock: Clock;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  /**
   * Names of previous pullers whose replay buffers the producer should hand
   * to us (failover, rebalance). Read on every (re)connect, so the list may
   * change while the link lives; sent in the `subscribe` when not empty.
   */
  takeover?: () => string[];
  /**
   * Called on every connection right after the subscribe, with a sender of
   * control messages on that connection (e.g. to push the producer's desired
   * `configure` each time we reach it). `send` drops the message when the
   * connection has gone meanwhile.
   */
  onConnected?: (send: (body: JsonValue) => void) => void;
  onSamples: (peer: PeerInfo, samples: ReceivedSample[]) => void | Promise<void>;
  onControl?: (peer: PeerInfo, body: unknown) => void;
  onPeerChange?: (peer: PeerInfo, connected: boolean) => void;
}

/**
 * Pull transport (LDMS style): the aggregator dials a producer, subscribes,
 * and receives its sets over that connection, acknowledging what it stored.
 * The producer keeps the replay buffer, so a reconnect replays the gap.
 */
export class PullLink {
  readonly #o: PullLinkOptions;
  readonly #dialer: Dialer;
  #conn: WireConnection | undefined;
  readonly counters: ReceiverCounters = { framesIn: 0, samplesIn: 0, unknownSetEntries: 0 };

  constructor(o: PullLinkOptions) {
    this.#o = o;
    this.#dialer = new Dialer({
      host: o.host,
      port: o.port,
      name: o.name,
      role: 'aggregator',
      auth: o.auth,
      clock: o.clock,
      logger: o.logger,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      onConnected: (conn) => this.#attach(conn),
    });
  }

  get target(): string {
    return this.#dialer.target;
  }

  start(): void {
    this.#dialer.start();
  }

  /** Send a control message to the producer; false (nothing sent) when not connected. */
  sendControl(body: JsonValue): boolean {
    return this.#conn ? trySendControl(this.#conn, body) : false;
  }

  stats(): DialerStats & ReceiverCounters & { target: string } {
    return { ...this.#dialer.stats(), ...this.counters, target: this.#dialer.target };
  }

  close(): void {
    this.#dialer.close();
  }

  #attach(conn: WireConnection): () => void {
    const o = this.#o;
    const peer: PeerInfo = {
      name: conn.peer.name,
      role: conn.peer.role,
      remote: `${o.host}:${o.port}`,
    };
    const session = new ReceiverSession({
      conn,
      peer,
      logger: o.logger,
      counters: this.counters,
      onSamples: o.onSamples,
      ...(o.onControl ? { onControl: o.onControl } : {}),
    });
    conn.onMessage((m) => session.onMessage(m));
    const takeover = this.#takeoverNames();
    conn.sendControl(
      controlBody(
        takeover.length > 0
          ? { op: 'subscribe', mode: o.mode, takeover: [...takeover] }
          : { op: 'subscribe', mode: o.mode },
      ),
    );
    this.#conn = conn;
    try {
      o.onConnected?.((body) => void trySendControl(conn, body));
    } catch (err) {
      // A failing hook must not take the link down: the data path still works.
      o.logger.error('pull link onConnected hook failed', { error: toError(err) });
    }
    o.onPeerChange?.(peer, true);
    return () => {
      if (this.#conn === conn) this.#conn = undefined;
      o.onPeerChange?.(peer, false);
    };
  }

  #takeoverNames(): string[] {
    try {
      return this.#o.takeover?.() ?? [];
    } catch (err) {
      this.#o.logger.error('pull link takeover callback failed', { error: toError(err) });
      return [];
    }
  }
}
