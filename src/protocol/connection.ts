import type { Duplex } from 'node:stream';
import { systemClock } from '../common/index.js';
import type { Clock, TimerHandle } from '../common/index.js';
import type { SetInstance } from '../model/index.js';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { ProtocolError } from './errors.js';
import type { ClientHandshake, HandshakeStep, PeerInfo, ServerHandshake } from './handshake.js';
import { remoteError } from './handshake.js';
import type { ProtocolLimits } from './limits.js';
import type { DataEntry, JsonValue, Message } from './messages.js';

/** Lifecycle of a connection. */
export type ConnectionState = 'handshake' | 'open' | 'closed';

/** Options shared by every way of opening a WireConnection. */
export interface WireConnectionOptions {
  readonly limits?: Partial<ProtocolLimits>;
  readonly clock?: Clock;
}

/** Until the peer is authenticated it may only send small frames. */
const PRE_AUTH_FRAME_BYTES = 64 * 1024;

const HANDSHAKE_TYPES: ReadonlySet<Message['type']> = new Set([
  'hello',
  'challenge',
  'auth',
  'auth-ok',
]);

/**
 * One authenticated protocol link over a stream (a net.Socket or any Duplex).
 * It owns the frame encoder and decoder of the link, so it keeps the schemas
 * sent and received: it answers schema-requests itself (re-sending the
 * schema and forcing a keyframe) and asks for schemas it lacks. Socket event
 * handlers never throw: every failure closes this connection only and is
 * delivered to the onClose handlers.
 */
export class WireConnection {
  readonly #stream: Duplex;
  readonly #encoder: FrameEncoder;
  readonly #decoder: FrameDecoder;
  readonly #clock: Clock;
  #state: ConnectionState = 'handshake';
  #peer: PeerInfo = { name: '', role: 'client' };
  #handshake: ClientHandshake | ServerHandshake | undefined;
  #handshakeTimer: TimerHandle | undefined;
  #settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  readonly #messageHandlers: ((m: Message) => void)[] = [];
  readonly #closeHandlers: ((err?: Error) => void)[] = [];
  readonly #queued: Message[] = [];
  readonly #requested = new Set<number>();
  #closeError: Error | undefined;
  #bytesIn = 0;
  #bytesOut = 0;
  #framesOut = 0;

  /** Wrap `stream`; call startHandshake next (connectWire/acceptWire do both). */
  constructor(stream: Duplex, options: WireConnectionOptions = {}) {
    this.#stream = stream;
    this.#encoder = new FrameEncoder(options.limits);
    this.#decoder = new FrameDecoder(options.limits);
    this.#clock = options.clock ?? systemClock;
    const { maxFrameBytes, maxStringBytes } = this.#decoder.limits;
    this.#decoder.frameLimit = Math.min(
      maxFrameBytes,
      Math.max(PRE_AUTH_FRAME_BYTES, 2 * maxStringBytes + 256),
    );
    stream.on('data', (chunk: Uint8Array) => this.#onData(chunk));
    stream.on('end', () => this.#onEnd());
    stream.on('error', (err: Error) => this.#onStreamError(err));
    stream.on('close', () => this.#onEnd());
  }

  get state(): ConnectionState {
    return this.#state;
  }
  /** The authenticated peer (name and role), valid once the handshake resolved. */
  get peer(): PeerInfo {
    return this.#peer;
  }
  get limits(): ProtocolLimits {
    return this.#decoder.limits;
  }
  get bytesIn(): number {
    return this.#bytesIn;
  }
  get bytesOut(): number {
    return this.#bytesOut;
  }
  get framesIn(): number {
    return this.#decoder.framesDecoded;
  }
  get framesOut(): number {
    return this.#framesOut;
  }
  /** True when the stream's buffer is above its high-water mark: wait for drain before sending more. */
  get writableNeedDrain(): boolean {
    return this.#stream.writableNeedDrain;
  }

  /** Run a handshake; resolves when the peer is authenticated, rejects (and closes) otherwise. */
  startHandshake(
    make: (encoder: FrameEncoder) => ClientHandshake | ServerHandshake,
    timeoutMs: number,
  ): Promise<void> {
    const hs = make(this.#encoder);
    this.#handshake = hs;
    const done = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.#handshakeTimer = this.#clock.setTimeout(
      () =>
        this.close(
          new ProtocolError(
            'CANOPY_ERR_HANDSHAKE_TIMEOUT',
            `handshake not done after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    );
    this.#apply(() => hs.start());
    return done;
  }

  /** Declare (or re-declare) a set on this connection; its next data entry is a keyframe. Returns bytes written. */
  sendSchema(setId: number, set: SetInstance): number {
    this.#requireOpen();
    return this.#write(this.#encoder.schema(setId, set));
  }

  /** Send samples; throws CANOPY_ERR_UNKNOWN_SET when a set's schema was not sent first. Returns bytes written. */
  sendData(seq: number, entries: readonly DataEntry[]): number {
    this.#requireOpen();
    return this.#write(this.#encoder.data(seq, entries));
  }

  sendAck(seq: number): number {
    this.#requireOpen();
    return this.#write(this.#encoder.ack(seq));
  }

  sendSchemaRequest(setIds: readonly number[]): number {
    this.#requireOpen();
    return this.#write(this.#encoder.schemaRequest(setIds));
  }

  sendControl(body: JsonValue): number {
    this.#requireOpen();
    return this.#write(this.#encoder.control(body));
  }

  /** Provisional summary message (JSON body). */
  sendSummary(body: JsonValue): number {
    this.#requireOpen();
    return this.#write(this.#encoder.summary(body));
  }

  /**
   * Receive every message after the handshake (except `error`, which closes
   * the connection). Messages that arrived before the first handler was
   * registered are delivered to it on the next microtask.
   */
  onMessage(handler: (m: Message) => void): void {
    this.#messageHandlers.push(handler);
    if (this.#messageHandlers.length === 1 && this.#queued.length > 0) {
      queueMicrotask(() => this.#flushQueue());
    }
  }

  /** Called once when the connection closes: no error for a clean close. Called at once if already closed. */
  onClose(handler: (err?: Error) => void): void {
    if (this.#state === 'closed') {
      const err = this.#closeError;
      queueMicrotask(() => handler(err));
      return;
    }
    this.#closeHandlers.push(handler);
  }

  /** Resolves when the stream drained; rejects if the connection closes first. */
  waitDrain(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(this.#closedError());
    if (!this.#stream.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.#stream.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.#stream.off('drain', onDrain);
        reject(this.#closedError());
      };
      this.#stream.once('drain', onDrain);
      this.#stream.once('close', onClose);
    });
  }

  /**
   * Close the connection. With a local ProtocolError the peer is told the
   * code in an `error` message first (best effort). Idempotent.
   */
  close(reason?: Error): void {
    if (this.#state === 'closed') return;
    const stream = this.#stream;
    let last: Uint8Array | undefined;
    if (reason instanceof ProtocolError && !reason.remote) {
      try {
        last = this.#encoder.error(reason.code, reason.message);
      } catch {
        last = undefined;
      }
    }
    const destroy = (): void => {
      stream.destroy();
    };
    if (reason instanceof ProtocolError && reason.remote) destroy();
    else if (!stream.writableEnded && !stream.destroyed) {
      if (last) {
        this.#bytesOut += last.length;
        this.#framesOut++;
        stream.end(last, destroy);
      } else stream.end(destroy);
    } else destroy();
    this.#finish(
      reason ??
        (this.#state === 'handshake' ? this.#closedError('closed during handshake') : undefined),
    );
  }

  #requireOpen(): void {
    if (this.#state !== 'open') throw this.#closedError(`connection is ${this.#state}`);
  }

  #closedError(what = 'connection closed'): ProtocolError {
    return new ProtocolError(
      'CANOPY_ERR_CONNECTION_CLOSED',
      `${what} (peer ${this.#peer.name || 'unknown'})`,
      {
        cause: this.#closeError,
      },
    );
  }

  #write(frame: Uint8Array): number {
    this.#stream.write(frame);
    this.#bytesOut += frame.length;
    this.#framesOut++;
    return frame.length;
  }

  #onData(chunk: Uint8Array): void {
    if (this.#state === 'closed') return;
    this.#bytesIn += chunk.length;
    try {
      this.#decoder.pushTo(chunk, (m) => this.#onFrame(m));
    } catch (err) {
      this.close(asProtocolError(err));
    }
  }

  #onEnd(): void {
    if (this.#state === 'closed') return;
    this.close(
      this.#state === 'handshake' ? this.#closedError('peer closed during handshake') : undefined,
    );
  }

  #onStreamError(err: Error): void {
    if (this.#state === 'closed') return;
    this.#stream.destroy();
    this.#finish(
      new ProtocolError('CANOPY_ERR_CONNECTION_CLOSED', `stream error: ${err.message}`, {
        cause: err,
      }),
    );
  }

  /** Runs inside the decoder's sink: must not throw. */
  #onFrame(m: Message): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'handshake') {
      this.#apply(() => this.#handshake!.receive(m));
      return;
    }
    if (m.type === 'error') {
      this.close(remoteError(m, this.#peer.name));
      return;
    }
    if (HANDSHAKE_TYPES.has(m.type)) {
      this.close(
        new ProtocolError('CANOPY_ERR_UNEXPECTED_MESSAGE', `${m.type} after the handshake`, {
          messageType: m.type,
        }),
      );
      return;
    }
    this.#react(m);
    if (this.#state !== 'open') return;
    if (this.#messageHandlers.length === 0) this.#queued.push(m);
    else this.#deliver(m);
  }

  /** The connection's own reactions: answer schema-requests, ask for missing schemas. */
  #react(m: Message): void {
    try {
      this.#reactOrThrow(m);
    } catch (err) {
      this.close(asProtocolError(err));
    }
  }

  #reactOrThrow(m: Message): void {
    if (m.type === 'schema-request') {
      for (const id of m.setIds) {
        const set = this.#encoder.schemaOf(id);
        if (set !== undefined) this.#write(this.#encoder.schema(id, set));
      }
    } else if (m.type === 'schema') {
      this.#requested.delete(m.setId);
    } else if (m.type === 'data' && m.unknownSetIds.length > 0) {
      const ids = m.unknownSetIds.filter((id) => !this.#requested.has(id));
      for (const id of ids) this.#requested.add(id);
      if (ids.length > 0) this.#write(this.#encoder.schemaRequest(ids));
    }
  }

  #apply(step: () => HandshakeStep): void {
    try {
      const { send, peer } = step();
      for (const frame of send) this.#write(frame);
      if (peer !== undefined) this.#opened(peer);
    } catch (err) {
      this.close(asProtocolError(err));
    }
  }

  #opened(peer: PeerInfo): void {
    this.#peer = peer;
    this.#state = 'open';
    this.#decoder.frameLimit = this.#decoder.limits.maxFrameBytes;
    this.#handshakeTimer?.cancel();
    this.#settle?.resolve();
    this.#settle = undefined;
  }

  #deliver(m: Message): void {
    for (const h of this.#messageHandlers) {
      try {
        h(m);
      } catch (err) {
        this.close(
          new ProtocolError(
            'CANOPY_ERR_HANDLER_FAILED',
            `onMessage handler threw on ${m.type}: ${String(err)}`,
            {
              cause: err,
            },
          ),
        );
        return;
      }
    }
  }

  #flushQueue(): void {
    while (this.#queued.length > 0 && this.#state === 'open') this.#deliver(this.#queued.shift()!);
  }

  #finish(err: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeError = err;
    this.#handshakeTimer?.cancel();
    if (this.#settle) {
      this.#settle.reject(err ?? this.#closedError());
      this.#settle = undefined;
    }
    for (const h of this.#closeHandlers.splice(0)) {
      try {
        h(err);
      } catch {
        // A close handler has nobody left to report to; never let it escape a socket event.
      }
    }
  }
}

/** Errors from the decoder are ProtocolErrors; anything else (a bug) is wrapped so it still closes cleanly. */
function asProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  return new ProtocolError(
    'CANOPY_ERR_MALFORMED_FRAME',
    `internal decode failure: ${String(err)}`,
    { cause: err },
  );
}
