import { toError } from '../common/index.js';
import type { Logger } from '../common/index.js';
import type { SetInstance, SetSample } from '../model/index.js';
import type { Message, WireConnection } from '../protocol/index.js';

/** A sample received from a peer, resolved against the schema the peer sent. */
export interface ReceivedSample {
  readonly set: SetInstance;
  readonly sample: SetSample;
}

export interface PeerInfo {
  readonly name: string;
  readonly role: string;
  readonly remote: string;
}

export interface ReceiverCounters {
  framesIn: number;
  samplesIn: number;
  unknownSetEntries: number;
}

export interface ReceiverSessionOptions {
  conn: WireConnection;
  peer: PeerInfo;
  logger: Logger;
  counters: ReceiverCounters;
  /**
   * Store a batch. The frame is acknowledged only after the returned promise
   * resolves, so a peer never drops from its replay buffer what we did not keep.
   */
  onSamples: (peer: PeerInfo, samples: ReceivedSample[]) => void | Promise<void>;
  /** Control messages that are not for the session itself. */
  onControl?: (peer: PeerInfo, body: unknown) => void;
}

/**
 * Receives data over one connection: keeps the peer's schemas by set id,
 * stores each frame and acknowledges it, strictly in order.
 */
export class ReceiverSession {
  readonly #o: ReceiverSessionOptions;
  readonly #sets = new Map<number, SetInstance>();
  #chain: Promise<void> = Promise.resolve();

  constructor(options: ReceiverSessionOptions) {
    this.#o = options;
  }

  onMessage(m: Message): void {
    // An ack must never overtake the store of an earlier frame.
    this.#chain = this.#chain
      .then(() => this.#handle(m))
      .catch((err: unknown) => {
        this.#o.logger.error('ingest failed; closing peer', {
          peer: this.#o.peer.name,
          error: toError(err),
        });
        this.#o.conn.close(toError(err));
      });
  }

  async #handle(m: Message): Promise<void> {
    const c = this.#o.counters;
    switch (m.type) {
      case 'schema':
        this.#sets.set(m.setId, m.set);
        return;
      case 'data': {
        const batch: ReceivedSample[] = [];
        for (const e of m.entries) {
          const set = this.#sets.get(e.setId);
          if (set) batch.push({ set, sample: e.sample });
          else c.unknownSetEntries++;
        }
        c.unknownSetEntries += m.unknownSetIds?.length ?? 0;
        c.framesIn++;
        c.samplesIn += batch.length;
        if (batch.length > 0) await this.#o.onSamples(this.#o.peer, batch);
        this.#o.conn.sendAck(m.seq);
        return;
      }
      case 'control':
        this.#o.onControl?.(this.#o.peer, m.body);
        return;
      default:
        return;
    }
  }
}
