import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';
import { estimateCardinality } from './hll-estimate.js';

const MODE_SPARSE = 0;
const MODE_DENSE = 1;
const INITIAL_SPARSE_SLOTS = 16;

/**
 * HyperLogLog registers with 2^p index bits (p = 4..16) over a 64-bit hash:
 * the top p bits pick the register, the rank is the position of the first
 * one bit among the other q = 64 − p (1..q+1 ≤ 61, so 6 bits suffice).
 *
 * Zeek keeps a 64 KiB array per key whatever its cardinality. Here a small
 * key holds its non-zero registers in a sparse open-addressing table of u32
 * entries (index << 8 | rank); when the table would outgrow the dense form it
 * switches to m registers packed 6 bits each (register i at bit 6i, little
 * endian: 12 KiB at p = 14, and the same bytes on the wire). Both forms hold
 * the same registers, so estimates and merges do not depend on the form.
 */
export class HllSketch {
  readonly p: number;
  readonly m: number;
  readonly q: number;
  /** Packed registers plus one padding byte, so every register is one 16-bit read. */
  private dense: Uint8Array | null = null;
  private table: Uint32Array | null = null;
  private used = 0;
  /** Right shift that turns a 32-bit multiplicative hash into a table slot. */
  private shift = 0;

  constructor(p: number) {
    this.p = p;
    this.m = 2 ** p;
    this.q = 64 - p;
    if (INITIAL_SPARSE_SLOTS * 2 * 4 > this.denseBytes()) this.dense = this.newDense();
    else this.allocSparse(INITIAL_SPARSE_SLOTS);
  }

  private denseBytes(): number {
    return (this.m * 3) / 4;
  }

  private newDense(): Uint8Array {
    return new Uint8Array(this.denseBytes() + 1);
  }

  private allocSparse(slots: number): void {
    this.table = new Uint32Array(slots);
    this.shift = 32 - Math.log2(slots);
    this.used = 0;
  }

  /** Record one 64-bit hash given as [high, low] 32-bit halves. */
  addHash(hi: number, lo: number): void {
    const rest = (hi << this.p) >>> 0;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 33 - this.p + Math.clz32(lo);
    this.set(hi >>> (32 - this.p), rank);
  }

  /** Register `idx` of the dense form. */
  private get(d: Uint8Array, idx: number): number {
    const bit = idx * 6;
    const j = bit >>> 3;
    return ((d[j]! | (d[j + 1]! << 8)) >>> (bit & 7)) & 63;
  }

  /** Raise register `idx` to at least `rank`. */
  set(idx: number, rank: number): void {
    const d = this.dense;
    if (d !== null) {
      const bit = idx * 6;
      const j = bit >>> 3;
      const sh = bit & 7;
      const w = d[j]! | (d[j + 1]! << 8);
      if (rank > ((w >>> sh) & 63)) {
        const next = (w & ~(63 << sh)) | (rank << sh);
        d[j] = next;
        d[j + 1] = next >>> 8;
      }
      return;
    }
    this.setSparse(idx, rank);
  }

  private setSparse(idx: number, rank: number): void {
    const t = this.table!;
    const mask = t.length - 1;
    let s = Math.imul(idx, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const e = t[s]!;
      if (e === 0) break;
      if (e >>> 8 === idx) {
        if (rank > (e & 0xff)) t[s] = (idx << 8) | rank;
        return;
      }
      s = (s + 1) & mask;
    }
    // Keep the load at most 3/4; a table bigger than the dense form switches to it.
    if ((this.used + 1) * 4 > t.length * 3) {
      this.resize(t.length * 2 * 4 > this.denseBytes() ? 0 : t.length * 2);
      this.set(idx, rank);
      return;
    }
    t[s] = (idx << 8) | rank;
    this.used++;
  }

  /** Move the entries to a sparse table of `slots` slots, or to the dense form when 0. */
  private resize(slots: number): void {
    const old = this.table!;
    if (slots === 0) {
      this.table = null;
      this.dense = this.newDense();
    } else {
      this.allocSparse(slots);
    }
    for (const e of old) if (e !== 0) this.set(e >>> 8, e & 0xff);
  }

  /** Register-wise max with a sketch of the same p (a merge). */
  mergeFrom(other: HllSketch): void {
    const o = other.dense;
    if (o !== null) {
      if (this.dense === null) this.resize(0);
      for (let i = 0; i < this.m; i++) {
        const r = this.get(o, i);
        if (r !== 0) this.set(i, r);
      }
      return;
    }
    for (const e of other.table!) if (e !== 0) this.set(e >>> 8, e & 0xff);
  }

  /** Number of registers holding each rank 0..q+1. */
  histogram(): Float64Array {
    const hist = new Float64Array(this.q + 2);
    const d = this.dense;
    if (d !== null) {
      for (let i = 0; i < this.m; i++) hist[this.get(d, i)]!++;
    } else {
      hist[0] = this.m - this.used;
      for (const e of this.table!) if (e !== 0) hist[e & 0xff]!++;
    }
    return hist;
  }

  estimate(): number {
    return estimateCardinality(this.histogram(), this.m, this.q);
  }

  /** True while the registers are held in the sparse table. */
  isSparse(): boolean {
    return this.dense === null;
  }

  bytes(): number {
    return 64 + (this.dense !== null ? this.dense.byteLength : this.table!.byteLength);
  }

  /** Sparse: count, then (index delta, rank) sorted by index. Dense: the packed registers. */
  writeTo(w: ByteWriter): void {
    if (this.dense !== null) {
      w.u8(MODE_DENSE);
      w.bytes(this.dense.subarray(0, this.denseBytes()));
      return;
    }
    const entries = this.table!.filter((e) => e !== 0).sort();
    w.u8(MODE_SPARSE);
    w.varuint(entries.length);
    let next = 0;
    for (const e of entries) {
      w.varuint((e >>> 8) - next);
      w.u8(e & 0xff);
      next = (e >>> 8) + 1;
    }
  }

  static readFrom(p: number, r: ByteReader): HllSketch {
    const out = new HllSketch(p);
    const mode = r.u8('hll mode');
    if (mode === MODE_SPARSE) {
      const n = r.count('hll entries', 2, out.m);
      let next = 0;
      for (let i = 0; i < n; i++) {
        const idx = next + r.varuint('hll index');
        const rank = r.u8('hll rank');
        if (idx >= out.m || rank === 0 || rank > out.q + 1) {
          throw decodeError(`hll entry ${idx}:${rank} is impossible at offset ${r.offset}`);
        }
        out.set(idx, rank);
        next = idx + 1;
      }
    } else if (mode === MODE_DENSE) {
      const packed = r.bytes(out.denseBytes(), 'hll registers');
      const d = out.newDense();
      d.set(packed);
      for (let i = 0; i < out.m; i++) {
        if (out.get(d, i) > out.q + 1) throw decodeError(`hll register ${i} above ${out.q + 1}`);
      }
      out.table = null;
      out.dense = d;
    } else {
      throw decodeError(`unknown hll mode ${mode}`);
    }
    return out;
  }
}
