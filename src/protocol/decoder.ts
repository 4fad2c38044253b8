import { ByteReader } from './byte-reader.js';
import type { ProtocolError } from './errors.js';
import { FRAME_HEADER_BYTES, parseHeader } from './frame.js';
import type { FrameHeader } from './frame.js';
import { resolveLimits } from './limits.js';
import type { ProtocolLimits } from './limits.js';
import { decodePayload } from './message-decode.js';
import type { Message } from './messages.js';
import { ValueDecoder } from './value-decoder.js';

/**
 * Incremental frame decoder for one connection (a state machine in the
 * style of nats' parser and ws' receiver): bytes arrive in chunks split
 * anywhere; each complete frame becomes a Message. Limits are checked on the
 * header, before the payload buffer is allocated. After the first error the
 * decoder is poisoned: every later push throws that same error.
 */
export class FrameDecoder {
  readonly limits: ProtocolLimits;
  /**
   * Largest payload accepted right now; lowered by a connection while the
   * peer is not yet authenticated. Never above limits.maxFrameBytes.
   */
  frameLimit: number;
  readonly #values: ValueDecoder;
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFill = 0;
  #frame: FrameHeader | undefined;
  #payload: Uint8Array | undefined;
  #payloadFill = 0;
  /** Stream offset of the current frame's first byte. */
  #frameStart = 0;
  #framesDecoded = 0;
  #error: unknown;

  constructor(limits: Partial<ProtocolLimits> = {}) {
    this.limits = resolveLimits(limits);
    this.frameLimit = this.limits.maxFrameBytes;
    this.#values = new ValueDecoder(this.limits.maxStringBytes);
  }

  /** Frames decoded so far. */
  get framesDecoded(): number {
    return this.#framesDecoded;
  }

  /** The error that poisoned this decoder, if any. */
  get error(): ProtocolError | undefined {
    return this.#error as ProtocolError | undefined;
  }

  /** True when a schema for `setId` was received. */
  hasSchema(setId: number): boolean {
    return this.#values.has(setId);
  }

  /** Decode what `chunk` completes; returns the messages in stream order. */
  push(chunk: Uint8Array): Message[] {
    const out: Message[] = [];
    this.pushTo(chunk, (m) => out.push(m));
    return out;
  }

  /**
   * Like push, but hands each message to `sink` as soon as it is decoded, so
   * messages before a bad frame in the same chunk are still delivered. The
   * sink must not throw; if it does, the decoder is poisoned with its error.
   */
  pushTo(chunk: Uint8Array, sink: (m: Message) => void): void {
    if (this.#error !== undefined) throw this.#error;
    try {
      let p = 0;
      while (p < chunk.length) {
        p =
          this.#frame === undefined
            ? this.#takeHeader(chunk, p, sink)
            : this.#takePayload(chunk, p, sink);
      }
    } catch (err) {
      this.#error = err;
      throw err;
    }
  }

  #takeHeader(chunk: Uint8Array, p: number, sink: (m: Message) => void): number {
    const take = Math.min(FRAME_HEADER_BYTES - this.#headerFill, chunk.length - p);
    this.#header.set(chunk.subarray(p, p + take), this.#headerFill);
    this.#headerFill += take;
    p += take;
    if (this.#headerFill < FRAME_HEADER_BYTES) return p;
    this.#headerFill = 0;
    const limits =
      this.frameLimit < this.limits.maxFrameBytes
        ? { ...this.limits, maxFrameBytes: this.frameLimit }
        : this.limits;
    const frame = parseHeader(this.#header, this.#frameStart, limits);
    if (chunk.length - p >= frame.payloadBytes) {
      // Whole payload in this chunk: decode in place, no copy.
      this.#emit(frame, chunk.subarray(p, p + frame.payloadBytes), sink);
      return p + frame.payloadBytes;
    }
    this.#frame = frame;
    this.#payload = new Uint8Array(frame.payloadBytes);
    this.#payloadFill = 0;
    return p;
  }

  #takePayload(chunk: Uint8Array, p: number, sink: (m: Message) => void): number {
    const frame = this.#frame!;
    const payload = this.#payload!;
    const take = Math.min(frame.payloadBytes - this.#payloadFill, chunk.length - p);
    payload.set(chunk.subarray(p, p + take), this.#payloadFill);
    this.#payloadFill += take;
    if (this.#payloadFill === frame.payloadBytes) {
      this.#frame = undefined;
      this.#payload = undefined;
      this.#emit(frame, payload, sink);
    }
    return p + take;
  }

  #emit(frame: FrameHeader, payload: Uint8Array, sink: (m: Message) => void): void {
    const r = new ByteReader(payload, this.#frameStart + FRAME_HEADER_BYTES, frame.type);
    const message = decodePayload(frame.type, r, { limits: this.limits, values: this.#values });
    this.#frameStart += FRAME_HEADER_BYTES + frame.payloadBytes;
    this.#framesDecoded++;
    sink(message);
  }
}
