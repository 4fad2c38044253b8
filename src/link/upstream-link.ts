import type { Clock, Logger, TimerHandle } from '../common/index.js';
import { toError } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { connectWire } from '../protocol/index.js';
import type { AuthConfig, Message, WireConnection } from '../protocol/index.js';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import type { ReplayBuffer } from './replay-buffer.js';

/** Explicit state of a link to an upstream peer. */
export type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

export interface UpstreamLinkOptions {
  host: string;
  port: number;
  /** Our name, sent in the hello. */
  name: string;
  role: 'sampler' | 'aggregator' | 'client';
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
  /** Control messages from the upstream (runtime changes). */
  onControl?: (body: unknown) => void;
}

export interface LinkStats {
  state: LinkState;
  connects: number;
  disconnects: number;
  framesSent: number;
  setsSent: number;
  bytesSent: number;
  lastError: string | undefined;
}

/**
 * A reliable link to one upstream peer: connects with randomised exponential
 * backoff, sends the replay buffer's unsent samples in batched data frames,
 * releases them on cumulative acknowledgements and, after any disconnect,
 * replays everything unacknowledged on the next connection.
 */
export class UpstreamLink {
  readonly #o: UpstreamLinkOptions;
  readonly #backoff: Backoff;
  #state: LinkState = 'idle';
  #conn: WireConnection | undefined;
  #setIds = new Map<SetInstance, number>();
  #nextSetId = 1;
  #nextSeq = 1;
  #lastAckedSeq = 0;
  #flushing = false;
  #retryTimer: TimerHandle | undefined;
  #ackTimer: TimerHandle | undefined;
  #stats: LinkStats = {
    state: 'idle',
    connects: 0,
    disconnects: 0,
    framesSent: 0,
    setsSent: 0,
    bytesSent: 0,
    lastError: undefined,
  };

  constructor(options: UpstreamLinkOptions) {
    this.#o = options;
    this.#backoff = new Backoff(options.backoff);
  }

  get state(): LinkState {
    return this.#state;
  }

  stats(): LinkStats {
    return { ...this.#stats, state: this.#state };
  }

  start(): void {
    if (this.#state !== 'idle') return;
    this.#connect();
  }

  /** Send whatever the buffer holds now (called after new samples were pushed). */
  kick(): void {
    if (this.#state === 'connected') this.#flushSoon();
  }

  async close(): Promise<void> {
    this.#setState('closed');
    this.#retryTimer?.cancel();
    this.#ackTimer?.cancel();
    const conn = this.#conn;
    this.#conn = undefined;
    conn?.close();
    await Promise.resolve();
  }

  #setState(state: LinkState): void {
    if (this.#state === 'closed') return;
    this.#state = state;
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    this.#setState('connecting');
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
      (err: unknown) => this.#onDisconnected(toError(err)),
    );
  }

  #onConnected(conn: WireConnection): void {
    if (this.#state === 'closed') {
      conn.close();
      return;
    }
    this.#conn = conn;
    this.#setIds = new Map();
    this.#nextSetId = 1;
    this.#o.buffer.rewind();
    this.#backoff.reset();
    this.#stats.connects++;
    this.#setState('connected');
    this.#o.logger.info('upstream connected', {
      upstream: `${this.#o.host}:${this.#o.port}`,
      peer: conn.peer.name,
    });
    conn.onMessage((m) => this.#onMessage(m));
    conn.onClose((err) => {
      if (this.#conn === conn) this.#onDisconnected(err ?? new Error('connection closed by peer'));
    });
    this.#flushSoon();
  }

  #onDisconnected(err: Error): void {
    this.#conn = undefined;
    this.#ackTimer?.cancel();
    this.#ackTimer = undefined;
    this.#o.buffer.rewind();
    if (this.#state === 'closed') return;
    if (this.#state === 'connected') this.#stats.disconnects++;
    this.#stats.lastError = err.message;
    const delayMs = this.#backoff.next();
    this.#o.logger.warn('upstream unavailable', {
      upstream: `${this.#o.host}:${this.#o.port}`,
      error: err,
      retryInMs: delayMs,
      buffered: this.#o.buffer.stats().samples,
    });
    this.#setState('backoff');
    this.#retryTimer = this.#o.clock.setTimeout(() => this.#connect(), delayMs);
  }

  #onMessage(m: Message): void {
    if (m.type === 'ack') {
      if (m.seq > this.#lastAckedSeq) this.#lastAckedSeq = m.seq;
      this.#o.buffer.ack(m.seq);
      this.#armAckTimer();
    } else if (m.type === 'control') {
      this.#o.onControl?.(m.body);
    }
  }

  /** Reconnect when in-flight frames are not acknowledged in time (a hung upstream). */
  #armAckTimer(): void {
    this.#ackTimer?.cancel();
    this.#ackTimer = undefined;
    if (this.#lastAckedSeq >= this.#nextSeq - 1) return;
    const conn = this.#conn;
    this.#ackTimer = this.#o.clock.setTimeout(() => {
      if (this.#conn === conn && conn)
        conn.close(new Error('no acknowledgement from upstream in time'));
    }, this.#o.ackTimeoutMs ?? 15_000);
  }

  #flushSoon(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    queueMicrotask(() => {
      this.#flush().then(
        () => (this.#flushing = false),
        (err: unknown) => {
          this.#flushing = false;
          this.#conn?.close(toError(err));
        },
      );
    });
  }

  async #flush(): Promise<void> {
    const max = this.#o.maxSetsPerFrame ?? 2048;
    for (;;) {
      const conn = this.#conn;
      if (!conn || this.#state !== 'connected') return;
      const items = this.#o.buffer.takeUnsent(max);
      if (items.length === 0) return;
      const seq = this.#nextSeq++;
      const entries = items.map((item) => {
        item.seq = seq;
        return { setId: this.#setIdFor(conn, item.set), sample: item.sample };
      });
      this.#stats.bytesSent += conn.sendData(seq, entries);
      this.#stats.framesSent++;
      this.#stats.setsSent += entries.length;
      if (!this.#ackTimer) this.#armAckTimer();
      if (conn.writableNeedDrain) await conn.waitDrain();
    }
  }

  #setIdFor(conn: WireConnection, set: SetInstance): number {
    let id = this.#setIds.get(set);
    if (id === undefined) {
      id = this.#nextSetId++;
      this.#setIds.set(set, id);
      conn.sendSchema(id, set);
    }
    return id;
  }
}
