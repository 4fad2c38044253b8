/**
 * Bounded add, merge and binary form for the DenseStores of a
 * @datadog/sketches-js DDSketch. Three defects of sketches-js 2.1.1 are
 * worked around here rather than inherited:
 * - DDSketch.merge merges the positive store only: negative values vanish;
 * - DenseStore.merge extends its range with `secondKey || key`, so a source
 *   whose maxKey is 0 (values near 1) is not covered;
 * - the Collapsing*DenseStores double-count on collapse (`sumOfRange` is
 *   inclusive of its end, `fill` is not), so their counts drift.
 * So the sketch uses plain DenseStores, and this module bounds their range
 * itself (collapsing the lowest bins) and merges bin by bin through
 * `DenseStore.add`, whose single-key range extension is correct.
 */
import type { DDSketch } from '@datadog/sketches-js';
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';

export type Store = DDSketch['store'];

/** Decades of values each sign's store covers at full accuracy (e.g. 1 ns to 10^12 s). */
const COVERED_DECADES = 21;
/** Bin keys a decoder accepts: beyond any finite double's key at the finest accuracy. */
const MAX_ABS_KEY = 2 ** 30;

/**
 * Bins per store: enough for COVERED_DECADES at accuracy alpha (2,418 at
 * 1 %). A wider range folds its lowest bins into one, which bounds a store
 * at ~20 KiB at 1 % (~190 KiB at the 0.1 % floor) whatever values arrive;
 * only quantiles among values more than 21 decades below the largest lose
 * accuracy (they read as the lowest kept bin).
 */
export function binLimit(alpha: number): number {
  const gamma = (1 + alpha) / (1 - alpha);
  return Math.ceil((COVERED_DECADES * Math.LN10) / Math.log(gamma));
}

/** Move the counts of keys below `floorKey` into the bin of `floorKey`; returns the count moved. */
function foldBelow(s: Store, floorKey: number): number {
  const top = Math.min(floorKey - 1, s.maxKey);
  let moved = 0;
  for (let key = s.minKey; key <= top; key++) {
    const i = key - s.offset;
    moved += s.bins[i]!;
    s.bins[i] = 0;
  }
  s.count -= moved;
  if (floorKey > s.maxKey) {
    // Everything folded: reset to a fresh store. Keeping the old bins and
    // offset would make DenseStore re-centre them across the whole gap with
    // `unshift.apply(bins, new Array(gap))`, which overflows the stack when
    // the gap spans tens of thousands of keys.
    s.bins = [];
    s.offset = 0;
    s.minKey = Infinity;
    s.maxKey = -Infinity;
  } else {
    s.minKey = floorKey;
  }
  return moved;
}

/** Add `weight` at `key`, keeping the store's key range within `limit` bins by collapsing the lowest. */
export function addKey(s: Store, key: number, weight: number, limit: number): void {
  if (s.count > 0) {
    const lowest = s.maxKey - limit + 1;
    if (key < lowest) {
      s.add(lowest, weight);
      return;
    }
    if (key > s.minKey + limit - 1) {
      const floorKey = key - limit + 1;
      const moved = foldBelow(s, floorKey);
      if (moved > 0) s.add(floorKey, moved);
    }
  }
  s.add(key, weight);
}

/** Add every bin of `src` to `dst`, highest key first. */
export function mergeStore(dst: Store, src: Store, limit: number): void {
  if (src.count === 0) return;
  for (let key = src.maxKey; key >= src.minKey; key--) {
    const c = src.bins[key - src.offset]!;
    if (c > 0) addKey(dst, key, c, limit);
  }
}

/** Bin count, lowest key (zig-zag), then each bin's count. */
export function writeStore(w: ByteWriter, s: Store): void {
  if (s.count === 0) {
    w.varuint(0);
    return;
  }
  w.varuint(s.maxKey - s.minKey + 1);
  w.varint(s.minKey);
  for (let key = s.minKey; key <= s.maxKey; key++) w.varuint(s.bins[key - s.offset]!);
}

export function readStore(r: ByteReader, s: Store, limit: number): void {
  const n = r.count('sketch bins', 1, limit);
  if (n === 0) return;
  const minKey = r.varint('sketch min key');
  if (Math.abs(minKey) > MAX_ABS_KEY || Math.abs(minKey + n) > MAX_ABS_KEY) {
    throw decodeError(`sketch key ${minKey} is out of range`);
  }
  const counts: number[] = [];
  for (let i = 0; i < n; i++) counts.push(r.varuint('sketch bin'));
  for (let i = n - 1; i >= 0; i--) if (counts[i]! > 0) addKey(s, minKey + i, counts[i]!, limit);
}
