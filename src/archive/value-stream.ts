import { MEMORY_COST } from './memory-cost.js';
import { ValueLanes } from './value-lanes.js';

/**
 * Streaming encoder of one series of float64 values: append, then seal into
 * a tight Uint8Array that ValueStreamDecoder reads from its start. Exact for
 * every double (NaN comes back as NaN, its payload not guaranteed); decimal
 * values and integers cost the bits of their change, repeats about one bit.
 * A one-lane ValueLanes: the same code path as the live window's.
 */
export class ValueStreamEncoder {
  readonly #lanes: ValueLanes;
  readonly #one = new Float64Array(1);
  #count = 0;

  constructor(initialBytes = 64) {
    this.#lanes = new ValueLanes(1, 0, initialBytes);
  }

  /** Append one value. */
  append(v: number): void {
    this.#one[0] = v;
    this.#lanes.appendRow(this.#one);
    this.#count++;
  }

  /** Values in the current stream. */
  get count(): number {
    return this.#count;
  }

  /** Bytes the current stream would seal into. */
  get byteLength(): number {
    return this.#lanes.laneBytes(0);
  }

  /**
   * The current stream as a tight copy; the encoder then starts a new
   * stream, seeded with what it learnt (mode, Rice parameters), which the
   * new stream's header carries so it decodes on its own.
   */
  seal(): Uint8Array {
    const out = new Uint8Array(this.#lanes.laneBytes(0));
    this.#lanes.copyLane(0, out, 0);
    this.#lanes.reset();
    this.#count = 0;
    return out;
  }

  /** Estimated memory held. */
  bytes(): number {
    return this.#lanes.bytes() + MEMORY_COST.typedArray + MEMORY_COST.object;
  }
}
