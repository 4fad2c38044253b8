import { setInstanceKey } from '../model/index.js';
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

/** What `ReplayBuffer.merge` did with the samples it was given. */
export interface MergeCounts {
  /** Incoming samples now held. */
  added: number;
  /** Incoming samples skipped: the buffer already held the same set at the same timestamp. */
  duplicates: number;
  /** Samples dropped (oldest first) because the merged buffer exceeded its bound. */
  dropped: number;
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
    this.#trim();
    this.#compact();
  }

  /**
   * Remove and return every held sample, sent or not, unmarked: the samples
   * move to another buffer (a puller's takeover). They count neither as
   * acknowledged nor as dropped here.
   */
  takeAll(): BufferedSample[] {
    const out = this.#items
      .slice(this.#head)
      .map((x) => ({ set: x.set, sample: x.sample, bytes: x.bytes, seq: undefined }));
    this.#items = [];
    this.#head = 0;
    this.#sendIndex = 0;
    this.#bytes = 0;
    return out;
  }

  /**
   * Merge samples taken from another buffer into this one. The result is in
   * ascending timestamp order (so ascending per set, which receivers need:
   * they drop any sample not newer than the set's last one); a sample whose
   * set and timestamp are already held is skipped. Everything is rewound
   * first, so all held samples go out (again) on the next session. The byte
   * bound still holds: the oldest samples are dropped and counted.
   */
  merge(incoming: readonly BufferedSample[]): MergeCounts {
    this.rewind();
    const seen = timestampsBySet();
    const all: BufferedSample[] = [];
    for (const item of this.#items.slice(this.#head)) {
      seen(item.set).add(item.sample.timestampMs);
      all.push(item);
    }
    let duplicates = 0;
    for (const x of incoming) {
      const held = seen(x.set);
      if (held.has(x.sample.timestampMs)) {
        duplicates++;
        continue;
      }
      held.add(x.sample.timestampMs);
      all.push({ set: x.set, sample: x.sample, bytes: x.bytes, seq: undefined });
      this.#bytes += x.bytes;
    }
    // Stable, and linear on two already-sorted runs (TimSort), the usual case.
    all.sort((a, b) => a.sample.timestampMs - b.sample.timestampMs);
    this.#items = all;
    this.#head = 0;
    this.#sendIndex = 0;
    const droppedBefore = this.#dropped;
    this.#trim();
    this.#compact();
    return {
      added: incoming.length - duplicates,
      duplicates,
      dropped: this.#dropped - droppedBefore,
    };
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

  /** Drop the oldest samples while over the bound (always keeping the newest one). */
  #trim(): void {
    while (this.#bytes > this.maxBytes && this.#head < this.#items.length - 1) {
      const old = this.#items[this.#head]!;
      this.#bytes -= old.bytes;
      this.#dropped++;
      this.#droppedBytes += old.bytes;
      this.#head++;
      if (this.#sendIndex < this.#head) this.#sendIndex = this.#head;
    }
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

/**
 * Timestamps seen per set identity (setInstanceKey: two objects may describe
 * one set). The key is computed once per set object, not once per sample.
 */
function timestampsBySet(): (set: SetInstance) => Set<number> {
  const byObject = new Map<SetInstance, Set<number>>();
  const byKey = new Map<string, Set<number>>();
  return (set) => {
    let ts = byObject.get(set);
    if (ts === undefined) {
      const key = setInstanceKey(set);
      ts = byKey.get(key) ?? new Set<number>();
      byKey.set(key, ts);
      byObject.set(set, ts);
    }
    return ts;
  };
}
