import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { ReducerBase } from './reducer-base.js';
import { SpaceSaving } from './space-saving.js';
import type { TopkEntry } from './space-saving.js';
import { keyOf } from './spec.js';
import type { Observation, ReducerSpec } from './spec.js';

/**
 * topk: the k most frequent strings by Space-Saving with `counters` (default
 * 2k) counters. Each reported count is an upper bound within N/counters of
 * the true frequency (`count − error` is a lower bound), and every key seen
 * more than N/k times is reported, before and after any tree of merges.
 */
export class TopkReducer extends ReducerBase {
  private summary: SpaceSaving;

  constructor(spec: Readonly<ReducerSpec>) {
    super(spec);
    this.summary = new SpaceSaving(spec.counters!);
  }

  add(o: Observation): void {
    const k = keyOf(o);
    if (k !== undefined) this.summary.add(k);
  }

  protected mergeState(other: this): void {
    this.summary.mergeFrom(other.summary);
  }

  /** Up to k `{ key, count, error }`, by count descending. */
  result(): TopkEntry[] {
    return this.summary.entries().slice(0, this.spec.n!);
  }

  bytes(): number {
    return 32 + this.summary.bytes();
  }

  protected writeState(w: ByteWriter): void {
    this.summary.writeTo(w);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): TopkReducer {
    const out = new TopkReducer(spec);
    out.summary = SpaceSaving.readFrom(spec.counters!, r);
    return out;
  }
}
