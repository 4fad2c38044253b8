import { createReducer, decodeReducer } from '../reducers/index.js';
import type { Reducer, ReducerResult } from '../reducers/index.js';
import type { SumStatDef } from '../definition.js';
import type { EncodedKey } from './messages.js';

/**
 * Per-key merge of workers' encoded reducers. Parts are folded in as they
 * arrive (decode + merge), so the manager holds one reducer per key and
 * reducer, never every worker's copy.
 */
export class KeyMerger {
  readonly #names: readonly string[];
  readonly #def: SumStatDef;
  readonly keys = new Map<string, (Reducer | undefined)[]>();

  constructor(def: SumStatDef) {
    this.#def = def;
    this.#names = def.reducers.map((r) => r.name);
  }

  /** Fold one worker's part of `key` in. Reducers the definition does not name are ignored. */
  add(key: string, part: EncodedKey): void {
    let slots = this.keys.get(key);
    if (slots === undefined) {
      slots = new Array<Reducer | undefined>(this.#names.length);
      this.keys.set(key, slots);
    }
    for (let i = 0; i < this.#names.length; i++) {
      const bytes = part[this.#names[i]!];
      if (bytes === undefined) continue;
      const r = decodeReducer(bytes);
      const have = slots[i];
      if (have === undefined) slots[i] = r;
      else have.merge(r);
    }
  }

  /** Results of one key; a reducer no worker fed gives its empty result, as the local engine does. */
  results(key: string): Record<string, ReducerResult> {
    return resultsOfSlots(this.keys.get(key) ?? [], this.#def);
  }

  /** Every key's results. */
  all(): Map<string, Record<string, ReducerResult>> {
    const out = new Map<string, Record<string, ReducerResult>>();
    for (const [key, slots] of this.keys) out.set(key, resultsOfSlots(slots, this.#def));
    return out;
  }
}

function resultsOfSlots(
  slots: readonly (Reducer | undefined)[],
  def: SumStatDef,
): Record<string, ReducerResult> {
  const out: Record<string, ReducerResult> = {};
  for (let i = 0; i < def.reducers.length; i++) {
    const rd = def.reducers[i]!;
    out[rd.name] = (slots[i] ?? createReducer(rd.spec)).result();
  }
  return out;
}

/** Merge several workers' parts of one key into results. */
export function mergeParts(
  def: SumStatDef,
  key: string,
  parts: Iterable<EncodedKey>,
): Record<string, ReducerResult> {
  const m = new KeyMerger(def);
  for (const p of parts) m.add(key, p);
  return m.results(key);
}
