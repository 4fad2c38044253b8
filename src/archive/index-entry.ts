import { ARCHIVE_ERROR_CODES, fileError } from './errors.js';

/**
 * Entries of a segment's index file (docs/archive-format.md, "Index file"):
 * fixed 40-byte little-endian entries, many per index record. Each points at
 * one record of the segment: a chunk (with its set, sample count and time
 * range) or a schemas record (so a reader learns the sets without reading
 * any chunk).
 */
export const INDEX_ENTRY_BYTES = 40;

export const ENTRY_KINDS = { chunk: 1, schemas: 2 } as const;
export type EntryKind = (typeof ENTRY_KINDS)[keyof typeof ENTRY_KINDS];

export interface IndexEntry {
  readonly kind: EntryKind;
  /** Chunk: the set's segment-local id. Schemas: the number of sets in the record. */
  readonly localId: number;
  /** Chunk: samples. Schemas: 0. */
  readonly count: number;
  /** Bytes of the whole record in the segment. */
  readonly length: number;
  /** File offset of the record in the segment. */
  readonly offset: number;
  readonly tMin: number;
  readonly tMax: number;
}

/** Entries as one index record payload. */
export function encodeIndexEntries(entries: readonly IndexEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * INDEX_ENTRY_BYTES);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    const p = i * INDEX_ENTRY_BYTES;
    v.setUint8(p, e.kind);
    v.setUint32(p + 4, e.localId, true);
    v.setUint32(p + 8, e.count, true);
    v.setUint32(p + 12, e.length, true);
    v.setFloat64(p + 16, e.offset, true);
    v.setFloat64(p + 24, e.tMin, true);
    v.setFloat64(p + 32, e.tMax, true);
  });
  return out;
}

/** Decode an index record payload found at `offset` of `file`; a malformed entry is a corrupt record. */
export function decodeIndexEntries(
  payload: Uint8Array,
  file: string,
  offset: number,
): IndexEntry[] {
  const bad = (what: string): Error =>
    fileError(ARCHIVE_ERROR_CODES.corruptRecord, file, offset, `index record: ${what}`);
  if (payload.length % INDEX_ENTRY_BYTES !== 0)
    throw bad(`length ${payload.length} is not a multiple of ${INDEX_ENTRY_BYTES}`);
  const v = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const out: IndexEntry[] = [];
  for (let p = 0; p < payload.length; p += INDEX_ENTRY_BYTES) {
    const kind = v.getUint8(p);
    const e: IndexEntry = {
      kind: kind as EntryKind,
      localId: v.getUint32(p + 4, true),
      count: v.getUint32(p + 8, true),
      length: v.getUint32(p + 12, true),
      offset: v.getFloat64(p + 16, true),
      tMin: v.getFloat64(p + 24, true),
      tMax: v.getFloat64(p + 32, true),
    };
    const plausible =
      (kind === ENTRY_KINDS.chunk || kind === ENTRY_KINDS.schemas) &&
      Number.isSafeInteger(e.offset) &&
      e.offset >= 0 &&
      Number.isSafeInteger(e.tMin) &&
      Number.isSafeInteger(e.tMax) &&
      e.tMin <= e.tMax &&
      (kind === ENTRY_KINDS.schemas || e.count >= 1);
    if (!plausible) throw bad(`entry ${p / INDEX_ENTRY_BYTES} is not plausible`);
    out.push(e);
  }
  return out;
}
