/**
 * xxHash64 (seed 0) of a string's UTF-8 bytes, in 32-bit halves. HyperLogLog
 * needs 64 well-mixed bits per observation on the hot path; BigInt is ~30x
 * slower than int math and crypto hashes are slower still, so every 64-bit
 * operation here is a pair of 32-bit ones. Output matches the reference
 * xxHash64 (tests check the published vectors and a BigInt oracle).
 */

// The five 64-bit primes of xxHash64 as [high, low] 32-bit halves.
const P1H = 0x9e3779b1;
const P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d;
const P2L = 0x27d4eb4f;
const P3H = 0x165667b1;
const P3L = 0x9e3779f9;
const P4H = 0x85ebca77;
const P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f;
const P5L = 0x165667c5;

// Results of the 64-bit helpers: module state instead of a returned pair, so
// the hot path allocates nothing.
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 → rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  // High 32 bits of the 64-bit product al*bl from 16-bit partial products
  // (each exact in a double).
  const cross = a0 * b1 + a1 * b0 + ((a0 * b0) >>> 16);
  const hiOfLow = a1 * b1 + Math.floor(cross / 65536);
  rh = (hiOfLow + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
  rl = Math.imul(al, bl) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 → rh:rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** Rotate (h:l) left by r, 0 < r < 32 → rh:rl. */
function rotl(h: number, l: number, r: number): void {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** xxHash64 round: acc = rotl(acc + lane * P2, 31) * P1 → rh:rl. */
function round(acch: number, accl: number, laneh: number, lanel: number): void {
  mul(laneh, lanel, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/** Merge round: acc = (acc ^ round(0, v)) * P1 + P4 → rh:rl. */
function mergeRound(acch: number, accl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  const xh = (acch ^ rh) >>> 0;
  const xl = (accl ^ rl) >>> 0;
  mul(xh, xl, P1H, P1L);
  add(rh, rl, P4H, P4L);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

let scratch = new Uint8Array(256);

/**
 * UTF-8 bytes of `s` into the shared scratch buffer; returns the length.
 * Lone surrogates become U+FFFD, as TextEncoder does, so the hash of a string
 * equals the hash of `new TextEncoder().encode(s)`.
 */
function utf8(s: string): number {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3 + 64);
  const b = scratch;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      b[n++] = c;
    } else if (c < 0x800) {
      b[n++] = 0xc0 | (c >> 6);
      b[n++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[n++] = 0xf0 | (c >> 18);
          b[n++] = 0x80 | ((c >> 12) & 0x3f);
          b[n++] = 0x80 | ((c >> 6) & 0x3f);
          b[n++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      b[n++] = 0xe0 | (c >> 12);
      b[n++] = 0x80 | ((c >> 6) & 0x3f);
      b[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/** Hash of the 32-byte stripes → rh:rl (the accumulator before the length is added). */
function stripes(b: Uint8Array, len: number): number {
  let v1h = 0x60ea27ee; // P1 + P2
  let v1l = 0xadc0b5d6;
  let v2h = P2H;
  let v2l = P2L;
  let v3h = 0;
  let v3l = 0;
  let v4h = 0x61c8864e; // -P1
  let v4l = 0x7a143579;
  let i = 0;
  for (; i + 32 <= len; i += 32) {
    round(v1h, v1l, u32(b, i + 4), u32(b, i));
    v1h = rh;
    v1l = rl;
    round(v2h, v2l, u32(b, i + 12), u32(b, i + 8));
    v2h = rh;
    v2l = rl;
    round(v3h, v3l, u32(b, i + 20), u32(b, i + 16));
    v3h = rh;
    v3l = rl;
    round(v4h, v4l, u32(b, i + 28), u32(b, i + 24));
    v4h = rh;
    v4l = rl;
  }
  rotl(v1h, v1l, 1);
  let hh = rh;
  let hl = rl;
  rotl(v2h, v2l, 7);
  add(hh, hl, rh, rl);
  hh = rh;
  hl = rl;
  rotl(v3h, v3l, 12);
  add(hh, hl, rh, rl);
  hh = rh;
  hl = rl;
  rotl(v4h, v4l, 18);
  add(hh, hl, rh, rl);
  mergeRound(rh, rl, v1h, v1l);
  mergeRound(rh, rl, v2h, v2l);
  mergeRound(rh, rl, v3h, v3l);
  mergeRound(rh, rl, v4h, v4l);
  return i;
}

/** xxHash64 (seed 0) of `len` bytes of `b`; writes [high, low] 32-bit halves into `out`. */
export function xxh64Bytes(b: Uint8Array, len: number, out: Uint32Array): void {
  let i = 0;
  if (len >= 32) {
    i = stripes(b, len);
  } else {
    rh = P5H;
    rl = P5L;
  }
  add(rh, rl, Math.floor(len / 0x100000000), len >>> 0);
  let hh = rh;
  let hl = rl;
  for (; i + 8 <= len; i += 8) {
    round(0, 0, u32(b, i + 4), u32(b, i));
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    hh = rh;
    hl = rl;
  }
  if (i + 4 <= len) {
    mul(0, u32(b, i), P1H, P1L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    hh = rh;
    hl = rl;
    i += 4;
  }
  for (; i < len; i++) {
    mul(0, b[i]!, P5H, P5L);
    rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 11);
    mul(rh, rl, P1H, P1L);
    hh = rh;
    hl = rl;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  mul(hh, hl, P2H, P2L);
  hh = rh;
  hl = (rl ^ ((rl >>> 29) | (rh << 3))) >>> 0;
  hh = (hh ^ (hh >>> 29)) >>> 0;
  mul(hh, hl, P3H, P3L);
  out[0] = rh;
  out[1] = (rl ^ rh) >>> 0;
}

/** xxHash64 (seed 0) of the UTF-8 bytes of `s`; writes [high, low] 32-bit halves into `out`. */
export function hashString64(s: string, out: Uint32Array): void {
  const len = utf8(s); // may replace `scratch`, so read it after
  xxh64Bytes(scratch, len, out);
}
