import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashString64, xxh64Bytes } from './hash64.js';

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, lane: bigint): bigint => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const mergeRound = (acc: bigint, v: bigint): bigint => ((acc ^ round(0n, v)) * P1 + P4) & M;

function lane(b: Uint8Array, i: number, n: number): bigint {
  let v = 0n;
  for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!);
  return v;
}

/** Straight BigInt transcription of the xxHash64 spec (seed 0): the oracle. */
function oracle(b: Uint8Array): bigint {
  let i = 0;
  let h: bigint;
  if (b.length >= 32) {
    let v1 = (P1 + P2) & M;
    let v2 = P2;
    let v3 = 0n;
    let v4 = (0n - P1) & M;
    for (; i + 32 <= b.length; i += 32) {
      v1 = round(v1, lane(b, i, 8));
      v2 = round(v2, lane(b, i + 8, 8));
      v3 = round(v3, lane(b, i + 16, 8));
      v4 = round(v4, lane(b, i + 24, 8));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    for (const v of [v1, v2, v3, v4]) h = mergeRound(h, v);
  } else {
    h = P5;
  }
  h = (h + BigInt(b.length)) & M;
  for (; i + 8 <= b.length; i += 8) h = (rotl(h ^ round(0n, lane(b, i, 8)), 27n) * P1 + P4) & M;
  if (i + 4 <= b.length) {
    h = (rotl(h ^ ((lane(b, i, 4) * P1) & M), 23n) * P2 + P3) & M;
    i += 4;
  }
  for (; i < b.length; i++) h = (rotl(h ^ ((BigInt(b[i]!) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  return h ^ (h >> 32n);
}

function asBigInt(out: Uint32Array): bigint {
  return (BigInt(out[0]!) << 32n) | BigInt(out[1]!);
}

describe('xxHash64 in 32-bit halves', () => {
  it('matches the published reference vectors', () => {
    const vectors: [string, bigint][] = [
      ['', 0xef46db3751d8e999n],
      ['a', 0xd24ec4f1a98c6e5bn],
      ['abc', 0x44bc2cf5ad770999n],
      ['asdf', 0x415872f599cea71en],
      ['Nobody inspects the spammish repetition', 0xfbcea83c8a378bf1n],
    ];
    const out = new Uint32Array(2);
    for (const [s, want] of vectors) {
      hashString64(s, out);
      assert.equal(asBigInt(out), want, JSON.stringify(s));
    }
  });

  it('agrees with a BigInt oracle on arbitrary bytes (all length classes)', () => {
    const out = new Uint32Array(2);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 160 }), (b) => {
        xxh64Bytes(b, b.length, out);
        assert.equal(asBigInt(out), oracle(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('hashes a string as its UTF-8 bytes (surrogate pairs, lone surrogates, long strings)', () => {
    const enc = new TextEncoder();
    const out = new Uint32Array(2);
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ maxLength: 400 }),
    );
    fc.assert(
      fc.property(strings, (s) => {
        hashString64(s, out);
        assert.equal(asBigInt(out), oracle(enc.encode(s)));
      }),
      { numRuns: 1000 },
    );
  });
});
