import { crc32 } from 'node:zlib';
import { ARCHIVE_ERROR_CODES, fileError } from './errors.js';

/**
 * The record framing every archive file uses (docs/archive-format.md,
 * "Records"): a 13-byte header — marker "CNR1", u32le payload length, u8
 * type, u32le CRC-32 of (length, type, payload) — then the payload. A record
 * is valid only whole: a reader that finds a bad record looks for the next
 * marker that starts a valid one, so damage stays local, and a file whose
 * remaining bytes hold no valid record ends in a tail (a record being
 * written, or torn by a crash).
 */

export const RECORD_HEADER_BYTES = 13;
const MARKER = Buffer.from('CNR1', 'latin1');
/** Larger lengths are corrupt: no writer makes records this big. */
export const MAX_RECORD_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Record types; each file kind admits some of them. */
export const RECORD_TYPES = {
  /** First record of every file: JSON {format, kind, version}. */
  header: 1,
  /** Segment: set schemas under segment-local ids (deflated JSON). */
  schemas: 2,
  /** Segment: one compressed chunk of one set. */
  chunk: 3,
  /** Index: fixed-size entries pointing into the segment. */
  index: 4,
  /** Write-ahead log: protocol frames of one appended batch. */
  wal: 5,
} as const;
export type RecordType = (typeof RECORD_TYPES)[keyof typeof RECORD_TYPES];

/** Kinds of archive file, named in their header record. */
export type FileKind = 'seg' | 'idx' | 'wal';
export const ARCHIVE_FORMAT = 'canopy-archive';
export const ARCHIVE_VERSION = 1;

/** The 13-byte header of a record whose payload is `parts` back to back. */
export function recordHeader(type: RecordType, parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const h = new Uint8Array(RECORD_HEADER_BYTES);
  const view = new DataView(h.buffer);
  h.set(MARKER, 0);
  view.setUint32(4, length, true);
  h[8] = type;
  let crc = crc32(h.subarray(4, 9));
  for (const p of parts) crc = crc32(p, crc);
  view.setUint32(9, crc, true);
  return h;
}

/** A whole record as one buffer. */
export function encodeRecord(type: RecordType, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  out.set(recordHeader(type, [payload]), 0);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

/** The header record a file of `kind` starts with. */
export function fileHeaderRecord(kind: FileKind): Uint8Array {
  const json = JSON.stringify({ format: ARCHIVE_FORMAT, kind, version: ARCHIVE_VERSION });
  return encodeRecord(RECORD_TYPES.header, Buffer.from(json, 'utf8'));
}

/** Check a file's header record; throws CANOPY_ERR_ARCHIVE_FORMAT naming the file. */
export function checkFileHeader(
  record: ScannedRecord | undefined,
  kind: FileKind,
  file: string,
): void {
  let h: { format?: unknown; kind?: unknown; version?: unknown } | undefined;
  if (record?.offset === 0 && record.type === RECORD_TYPES.header) {
    try {
      h = JSON.parse(Buffer.from(record.payload).toString('utf8')) as typeof h;
    } catch {
      h = undefined;
    }
  }
  if (h?.format !== ARCHIVE_FORMAT || h.kind !== kind) {
    throw fileError(
      ARCHIVE_ERROR_CODES.unsupportedFormat,
      file,
      0,
      `not a ${kind} file of a Canopy archive`,
    );
  }
  if (h.version !== ARCHIVE_VERSION) {
    throw fileError(
      ARCHIVE_ERROR_CODES.unsupportedFormat,
      file,
      0,
      `format version ${String(h.version)} (this code reads ${ARCHIVE_VERSION})`,
    );
  }
}

/** One whole, checksum-valid record found in a buffer. */
export interface ScannedRecord {
  /** File offset of the record header. */
  readonly offset: number;
  readonly type: number;
  readonly payload: Uint8Array;
}

/** Bytes skipped between whole records: damage in the middle of a file. */
export interface CorruptRange {
  readonly offset: number;
  readonly length: number;
  readonly reason: string;
}

export interface ScanResult {
  readonly records: ScannedRecord[];
  readonly corrupt: CorruptRange[];
  /** File offset where the scan stopped: after the last whole record, or where a tail begins. */
  readonly end: number;
  /** Bytes from `end` to the end of the buffer that hold no whole record (0 if none). */
  readonly tailBytes: number;
  /** Why the tail is not a record (empty when tailBytes is 0). */
  readonly tailReason: string;
}

/** '' when a valid record starts at p, else why not. */
function checkAt(buf: Uint8Array, p: number, view: DataView): string {
  if (p + RECORD_HEADER_BYTES > buf.length) return 'incomplete record header';
  if (
    buf[p] !== MARKER[0] ||
    buf[p + 1] !== MARKER[1] ||
    buf[p + 2] !== MARKER[2] ||
    buf[p + 3] !== MARKER[3]
  ) {
    return 'bad record marker';
  }
  const length = view.getUint32(p + 4, true);
  if (length > MAX_RECORD_PAYLOAD_BYTES) return `record length ${length} exceeds the limit`;
  const end = p + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return `incomplete record (${buf.length - p} of ${end - p} bytes)`;
  const crc = crc32(buf.subarray(p + RECORD_HEADER_BYTES, end), crc32(buf.subarray(p + 4, p + 9)));
  if (crc !== view.getUint32(p + 9, true)) return 'checksum mismatch';
  const type = buf[p + 8]!;
  if (type < RECORD_TYPES.header || type > RECORD_TYPES.wal) return `unknown record type ${type}`;
  return '';
}

/** Next offset after `from` where a valid record starts, or -1. */
function resync(buf: Uint8Array, from: number, view: DataView): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let q = b.indexOf(MARKER, from); q >= 0; q = b.indexOf(MARKER, q + 1)) {
    if (checkAt(buf, q, view) === '') return q;
  }
  return -1;
}

/**
 * Split `buf` (file bytes starting at file offset `baseOffset`) into whole
 * records. A bad record followed by a valid one is a corrupt range; bad
 * bytes with no valid record after them are the tail.
 */
export function scanRecords(buf: Uint8Array, baseOffset: number): ScanResult {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: ScannedRecord[] = [];
  const corrupt: CorruptRange[] = [];
  let p = 0;
  while (p < buf.length) {
    const why = checkAt(buf, p, view);
    if (why === '') {
      const length = view.getUint32(p + 4, true);
      const end = p + RECORD_HEADER_BYTES + length;
      records.push({
        offset: baseOffset + p,
        type: buf[p + 8]!,
        payload: buf.subarray(p + RECORD_HEADER_BYTES, end),
      });
      p = end;
      continue;
    }
    const next = resync(buf, p + 1, view);
    if (next < 0) {
      return { records, corrupt, end: baseOffset + p, tailBytes: buf.length - p, tailReason: why };
    }
    corrupt.push({ offset: baseOffset + p, length: next - p, reason: why });
    p = next;
  }
  return { records, corrupt, end: baseOffset + p, tailBytes: 0, tailReason: '' };
}

/**
 * Check the single record expected at the start of `buf` (read at file
 * offset `offset`): '' when it is whole and valid, else why not.
 */
export function checkRecord(buf: Uint8Array, expectedType: RecordType): string {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const why = checkAt(buf, 0, view);
  if (why !== '') return why;
  if (buf[8] !== expectedType) return `record type ${buf[8]}, expected ${expectedType}`;
  if (RECORD_HEADER_BYTES + view.getUint32(4, true) !== buf.length)
    return 'record length differs from the index';
  return '';
}
