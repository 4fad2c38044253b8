import type { SetInstance, SetSample } from '../model/index.js';

/** One buffered sample and, once it has gone out in a frame, that frame's sequence number. */
export interface BufferedSample {
  readonly set: SetInstance;
  readonly sample: SetSample;
  readonly bytes: number;
  /** Sequence number of the data frame that carried it on the current connection. */
  seq: number | undefined;
}

export interface ReplayBufferStats {
  /** Samples held (sent but unacknowledged, plus not yet sent). */
  samples: number;
  bytes: number;
  maxBytes: number;
  /** Samples dropped because the buffer was full (oldest first). */
  droppedSamples: number;
  droppedBytes: number;
  /** Samples acknowledged by the upstream since start. */
  ackedSamples: number;
}

/** Rough in-memory size of a sample, used for the byte bound. */
export function sampleBytes(sample: SetSample): number {
  let bytes = 64 + sample.values.byteLength;
  if (sample.strings)
    for (const s of sample.strings) bytes += s === undefined ? 8 : 16 + s.length * 2;
  return bytes;
}

/**
 * Samples that the upstream has not yet acknowledged, in production order.
 *
 * Acknowledgements are cumulative over frame sequence numbers and frames go
 * out in buffer order, so an ack for `seq` releases a prefix of the buffer.
 * When a connection drops, every sent-but-unacknowledged sample is marked
 * unsent again and goes out first on the next connection: the gap is replayed
 * in order, and the receiver discards anything it had already stored.
 *
 * The bound is in bytes. When it is exceeded the oldest samples are dropped
 * and counted; memory never grows without limit because an upstream is slow
 * or gone.
 */
export class ReplayBuffer {
  readonly maxBytes: number;
  #items: BufferedSample[] = [];
  #head = 0;
  /** Index of the first item not yet sent on the current connection. */
  #sendIndex = 0;
  #bytes = 0;
  #dropped = 0;
  #droppedBytes = 0;
  #acked = 0;

  constructor(maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError(`replay buffer size must be > 0, got ${maxBytes}`);
    this.maxBytes = maxBytes;
  }

  /** Add a freshly produced sample; drops the oldest samples when over the bound. */
  push(set: SetInstance, sample: SetSample): void {
    const bytes = sampleBytes(sample);
    this.#items.push({ set, sample, bytes, seq: undefined });
    this.#bytes += bytes;
    while (this.#bytes > this.maxBytes && this.#head < this.#items.length - 1) {
      const old = this.#items[this.#head]!;
      this.#bytes -= old.bytes;
      this.#dropped++;
      this.#droppedBytes += old.bytes;
      this.#head++;
      if (this.#sendIndex < this.#head) this.#sendIndex = this.#head;
    }
    this.#compact();
  }

  /** Samples not yet sent on the current connection, at most `max` of them. */
  takeUnsent(max: number): BufferedSample[] {
    const end = Math.min(this.#items.length, this.#sendIndex + max);
    const out = this.#items.slice(this.#sendIndex, end);
    this.#sendIndex = end;
    return out;
  }

  /** Number of samples waiting to be sent. */
  unsentCount(): number {
    return this.#items.length - this.#sendIndex;
  }

  /** Release every sample carried by frames up to and including `seq`. */
  ack(seq: number): number {
    let released = 0;
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head]!;
      if (item.seq === undefined || item.seq > seq) break;
      this.#bytes -= item.bytes;
      this.#head++;
      released++;
    }
    if (this.#sendIndex < this.#head) this.#sendIndex = this.#head;
    this.#acked += released;
    this.#compact();
    return released;
  }

  /** The connection is gone: everything unacknowledged goes out again, in order. */
  rewind(): void {
    for (let i = this.#head; i < this.#sendIndex; i++) this.#items[i]!.seq = undefined;
    this.#sendIndex = this.#head;
  }

  stats(): ReplayBufferStats {
    return {
      samples: this.#items.length - this.#head,
      bytes: this.#bytes,
      maxBytes: this.maxBytes,
      droppedSamples: this.#dropped,
      droppedBytes: this.#droppedBytes,
      ackedSamples: this.#acked,
    };
  }

  /** Drop released slots from the front once they are a large share of the array. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#sendIndex -= this.#head;
      this.#head = 0;
    }
  }
}
