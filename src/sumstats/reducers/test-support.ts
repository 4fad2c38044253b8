/**
 * Helpers for the reducer tests: a seeded PRNG, stream partitioning and the
 * three ways a partitioned stream is merged back (in order, as a balanced
 * tree, and through encode/decode).
 */
import fc from 'fast-check';
import { createReducer, decodeReducer } from './create-reducer.js';
import type { Observation, Reducer, ReducerSpec } from './spec.js';

/** Deterministic PRNG (mulberry32): seeded tests give the same draws every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Split `stream` into contiguous partitions at the given cut points (any integers; reduced modulo length + 1). */
export function partition<T>(stream: readonly T[], cuts: readonly number[]): T[][] {
  const at = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const parts: T[][] = [];
  let from = 0;
  for (const c of at) {
    parts.push(stream.slice(from, c));
    from = c;
  }
  parts.push(stream.slice(from));
  return parts;
}

/** 1..7 cut points: 2..8 partitions (fewer when cuts coincide). */
export const cutsArb = fc.array(fc.nat(), { minLength: 1, maxLength: 7 });

export type MergeMode = 'sequential' | 'tree' | 'codec';
export const MERGE_MODES: readonly MergeMode[] = ['sequential', 'tree', 'codec'];

export function reduce(spec: ReducerSpec, stream: readonly Observation[], seed = 1): Reducer {
  const r = createReducer(spec, { random: prng(seed) });
  for (const o of stream) r.add(o);
  return r;
}

function mergeTree(rs: Reducer[]): Reducer {
  if (rs.length === 1) return rs[0]!;
  const mid = rs.length >> 1;
  const left = mergeTree(rs.slice(0, mid));
  left.merge(mergeTree(rs.slice(mid)));
  return left;
}

/**
 * Reduce each partition separately and merge them back in stream order:
 * sequentially, as a balanced tree, or sequentially after every partial went
 * through encode → decode.
 */
export function reduceMerged(
  spec: ReducerSpec,
  parts: readonly (readonly Observation[])[],
  mode: MergeMode,
  seed = 1,
): Reducer {
  let rs = parts.map((p, i) => reduce(spec, p, seed + i));
  if (mode === 'tree') return mergeTree(rs);
  if (mode === 'codec')
    rs = rs.map((r, i) => decodeReducer(r.encode(), { random: prng(seed * 31 + i) }));
  const [first, ...rest] = rs;
  for (const r of rest) first!.merge(r);
  return mode === 'codec' ? decodeReducer(first!.encode(), { random: prng(seed) }) : first!;
}

/** An observation with a finite number, a string, both, or (rarely) neither. */
export function observationArb(
  num: fc.Arbitrary<number>,
  str: fc.Arbitrary<string>,
): fc.Arbitrary<Observation> {
  return fc
    .record({ num: fc.option(num, { freq: 5 }), str: fc.option(str, { freq: 3 }) })
    .map(({ num: n, str: s }) => {
      const o: Observation = {};
      if (n !== null) o.num = n;
      if (s !== null) o.str = s;
      return o;
    });
}
