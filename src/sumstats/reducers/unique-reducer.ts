import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';
import { ReducerBase } from './reducer-base.js';
import { keyOf } from './spec.js';
import type { Observation, ReducerSpec } from './spec.js';

/** How many values `result()` lists at most. */
export const UNIQUE_SHOWN = 100;

/**
 * unique: exact distinct count of the observed strings, with a cap (`n`) so
 * one key cannot grow without bound (Zeek's unique has none). When a new
 * value arrives at the cap, `capped` becomes true and nothing more is added:
 * `count` is then a lower bound (use hll_unique for large cardinalities).
 * Below the cap, merging is an exact set union.
 */
export class UniqueReducer extends ReducerBase {
  private readonly cap: number;
  private set = new Set<string>();
  private capped = false;
  private heldBytes = 0;

  constructor(spec: Readonly<ReducerSpec>) {
    super(spec);
    this.cap = spec.n!;
  }

  add(o: Observation): void {
    if (this.capped) return;
    const k = keyOf(o);
    if (k !== undefined) this.insert(k);
  }

  /** Add one value; false once the cap is reached. */
  private insert(k: string): boolean {
    if (this.set.has(k)) return true;
    if (this.set.size >= this.cap) {
      this.capped = true;
      return false;
    }
    this.set.add(k);
    this.heldBytes += 40 + 2 * k.length;
    return true;
  }

  protected mergeState(other: this): void {
    if (other.capped) this.capped = true;
    if (this.capped && this.set.size >= this.cap) return;
    for (const k of other.set) if (!this.insert(k)) break;
  }

  /** `{ count, capped, values }`: values are the (at most 100) smallest, sorted, so the list does not depend on merge order. */
  result(): { count: number; capped: boolean; readonly values: string[] } {
    // Thresholds read `count` after every observation; sorting the set for
    // `values` each time cost ~97% of a scan-detection run, so it is lazy.
    const set = this.set;
    let shown: string[] | undefined;
    return {
      count: set.size,
      capped: this.capped,
      get values(): string[] {
        return (shown ??= [...set].sort().slice(0, UNIQUE_SHOWN));
      },
    };
  }

  bytes(): number {
    return 64 + this.heldBytes;
  }

  protected writeState(w: ByteWriter): void {
    w.u8(this.capped ? 1 : 0);
    w.varuint(this.set.size);
    for (const k of this.set) w.string(k);
  }

  static read(spec: Readonly<ReducerSpec>, r: ByteReader): UniqueReducer {
    const out = new UniqueReducer(spec);
    const capped = r.u8('capped flag');
    if (capped > 1) throw decodeError(`capped flag ${capped} is not 0 or 1`);
    const n = r.count('unique values', 1, spec.n!);
    for (let i = 0; i < n; i++) out.insert(r.string('unique value'));
    if (out.set.size !== n) throw decodeError('unique values repeat');
    out.capped = capped === 1;
    return out;
  }
}
