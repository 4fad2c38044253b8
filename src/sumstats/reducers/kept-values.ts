/**
 * Binary form and memory estimate of the values `last` and `sample` keep
 * (`num ?? str`): a tag byte, then an f64 or a length-prefixed UTF-8 string.
 */
import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';
import { decodeError } from './errors.js';
import type { KeptValue } from './spec.js';

const TAG_NUMBER = 0;
const TAG_STRING = 1;

export function writeKeptValues(w: ByteWriter, values: readonly KeptValue[]): void {
  w.varuint(values.length);
  for (const v of values) {
    if (typeof v === 'number') {
      w.u8(TAG_NUMBER);
      w.f64(v);
    } else {
      w.u8(TAG_STRING);
      w.string(v);
    }
  }
}

/** Read a list of at most `max` values. */
export function readKeptValues(r: ByteReader, max: number): KeptValue[] {
  // Each value takes at least 2 bytes (tag + empty string).
  const n = r.count('values', 2, max);
  const out: KeptValue[] = [];
  for (let i = 0; i < n; i++) {
    const tag = r.u8('value tag');
    if (tag === TAG_NUMBER) {
      const v = r.f64('value');
      if (!Number.isFinite(v)) throw decodeError(`kept value ${v} is not finite`);
      out.push(v);
    } else if (tag === TAG_STRING) {
      out.push(r.string('value'));
    } else {
      throw decodeError(`unknown value tag ${tag} at offset ${r.offset - 1}`);
    }
  }
  return out;
}

/** Approximate heap bytes of one kept value (V8 strings take ~2 bytes per UTF-16 unit plus a header). */
export function keptValueBytes(v: KeptValue): number {
  return typeof v === 'number' ? 8 : 24 + 2 * v.length;
}
