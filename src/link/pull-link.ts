import type { Clock, Logger } from '../common/index.js';
import type { AuthConfig } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import { controlBody } from './control.js';
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
  readonly #dialer: Dialer;
  readonly counters: ReceiverCounters = { framesIn: 0, samplesIn: 0, unknownSetEntries: 0 };

  constructor(o: PullLinkOptions) {
    this.#dialer = new Dialer({
      host: o.host,
      port: o.port,
      name: o.name,
      role: 'aggregator',
      auth: o.auth,
      clock: o.clock,
      logger: o.logger,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      onConnected: (conn) => {
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
        conn.sendControl(controlBody({ op: 'subscribe', mode: o.mode }));
        o.onPeerChange?.(peer, true);
        return () => o.onPeerChange?.(peer, false);
      },
    });
  }

  get target(): string {
    return this.#dialer.target;
  }

  start(): void {
    this.#dialer.start();
  }

  stats(): DialerStats & ReceiverCounters & { target: string } {
    return { ...this.#dialer.stats(), ...this.counters, target: this.#dialer.target };
  }

  close(): void {
    this.#dialer.close();
  }
}
