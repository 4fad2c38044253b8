import type { Clock, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import type { JsonValue, Message, WireConnection } from '../protocol/index.js';
import { trySendControl } from './control.js';
import type { ReplayBuffer } from './replay-buffer.js';

export interface SenderSessionOptions {
  conn: WireConnection;
  buffer: ReplayBuffer;
  clock: Clock;
  /** Sets per data frame. */
  maxSetsPerFrame: number;
  /** Close the connection when frames are in flight and nothing was acknowledged for this long. */
  ackTimeoutMs: number;
  /** Frame sequence numbers continue across sessions of one link so acks stay unambiguous. */
  firstSeq: number;
  /** Control messages from the receiver; `reply` answers on the same connection (false when gone). */
  onControl?: (body: unknown, reply: (body: JsonValue) => boolean) => void;
}

export interface SenderCounters {
  framesSent: number;
  setsSent: number;
  bytesSent: number;
}

/**
 * Sends one replay buffer's samples over one established connection: batches
 * unsent samples into data frames, sends each set's schema once on this
 * connection, releases samples on cumulative acks. When the connection ends
 * the owner calls `buffer.rewind()` so the next session replays the gap.
 */
export class SenderSession {
  readonly #o: SenderSessionOptions;
  readonly counters: SenderCounters = { framesSent: 0, setsSent: 0, bytesSent: 0 };
  #setIds = new Map<SetInstance, number>();
  #nextSetId = 1;
  #nextSeq: number;
  #lastAckedSeq: number;
  #flushing = false;
  #ackTimer: TimerHandle | undefined;
  #closed = false;

  constructor(options: SenderSessionOptions) {
    this.#o = options;
    this.#nextSeq = options.firstSeq;
    this.#lastAckedSeq = options.firstSeq - 1;
    options.buffer.rewind();
  }

  /** Next sequence number a later session of the same link should start from. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Feed a message that arrived on the connection. */
  onMessage(m: Message): void {
    if (m.type === 'ack') {
      if (m.seq > this.#lastAckedSeq) this.#lastAckedSeq = m.seq;
      this.#o.buffer.ack(m.seq);
      this.#armAckTimer();
    } else if (m.type === 'control') {
      this.#o.onControl?.(m.body, (body) => trySendControl(this.#o.conn, body));
    }
  }

  /** Send whatever the buffer holds now. */
  kick(): void {
    if (this.#closed || this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flush().then(
        () => (this.#flushing = false),
        (err: unknown) => {
          this.#flushing = false;
          this.#o.conn.close(toError(err));
        },
      );
    });
  }

  /** Stop sending; unacknowledged samples stay in the buffer for the next session. */
  stop(): void {
    this.#closed = true;
    this.#ackTimer?.cancel();
    this.#ackTimer = undefined;
    this.#o.buffer.rewind();
  }

  async #flush(): Promise<void> {
    const { conn, buffer, maxSetsPerFrame } = this.#o;
    while (!this.#closed) {
      const items = buffer.takeUnsent(maxSetsPerFrame);
      if (items.length === 0) return;
      const seq = this.#nextSeq++;
      const entries = items.map((item) => {
        item.seq = seq;
        return { setId: this.#setIdFor(item.set), sample: item.sample };
      });
      this.counters.bytesSent += conn.sendData(seq, entries);
      this.counters.framesSent++;
      this.counters.setsSent += entries.length;
      if (!this.#ackTimer) this.#armAckTimer();
      if (conn.writableNeedDrain) await conn.waitDrain();
    }
  }

  #setIdFor(set: SetInstance): number {
    let id = this.#setIds.get(set);
    if (id === undefined) {
      id = this.#nextSetId++;
      this.#setIds.set(set, id);
      this.#o.conn.sendSchema(id, set);
    }
    return id;
  }

  /** A hung receiver (no acks while frames are in flight) is treated as gone. */
  #armAckTimer(): void {
    this.#ackTimer?.cancel();
    this.#ackTimer = undefined;
    if (this.#closed || this.#lastAckedSeq >= this.#nextSeq - 1) return;
    this.#ackTimer = this.#o.clock.setTimeout(() => {
      this.#o.conn.close(new Error(`no acknowledgement within ${this.#o.ackTimeoutMs} ms`));
    }, this.#o.ackTimeoutMs);
  }
}
