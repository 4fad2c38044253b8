import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RECORD_HEADER_BYTES,
  RECORD_TYPES,
  checkRecord,
  encodeRecord,
  scanRecords,
} from './record-format.js';

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

const a = encodeRecord(RECORD_TYPES.wal, Uint8Array.from([1, 2, 3]));
const b = encodeRecord(RECORD_TYPES.chunk, new Uint8Array(100).fill(7));
const c = encodeRecord(RECORD_TYPES.index, Uint8Array.from([9]));

describe('record framing', () => {
  it('scans whole records with their file offsets', () => {
    const s = scanRecords(concat([a, b, c]), 1000);
    assert.deepEqual(
      s.records.map((r) => [r.offset, r.type, r.payload.length]),
      [
        [1000, RECORD_TYPES.wal, 3],
        [1000 + a.length, RECORD_TYPES.chunk, 100],
        [1000 + a.length + b.length, RECORD_TYPES.index, 1],
      ],
    );
    assert.equal(s.end, 1000 + a.length + b.length + c.length);
    assert.equal(s.tailBytes, 0);
    assert.deepEqual(s.corrupt, []);
  });

  it('stops before an incomplete record at every cut point', () => {
    const whole = concat([a, b]);
    for (let cut = a.length + 1; cut < whole.length; cut++) {
      const s = scanRecords(whole.subarray(0, cut), 0);
      assert.equal(s.records.length, 1, `cut ${cut}`);
      assert.equal(s.end, a.length);
      assert.equal(s.tailBytes, cut - a.length);
    }
  });

  it('reports a damaged record between valid ones as a corrupt range and keeps the rest', () => {
    for (const at of [0, 4, 8, 9, RECORD_HEADER_BYTES + 50]) {
      const bytes = concat([a, b, c]);
      bytes[a.length + at]! ^= 0x40;
      const s = scanRecords(bytes, 0);
      assert.deepEqual(
        s.records.map((r) => r.type),
        [RECORD_TYPES.wal, RECORD_TYPES.index],
        `flip at ${at}`,
      );
      assert.equal(s.corrupt.length, 1);
      assert.equal(s.corrupt[0]!.offset, a.length);
      assert.equal(s.corrupt[0]!.length, b.length);
    }
  });

  it('treats damage with no valid record after it as the tail', () => {
    const bytes = concat([a, b]);
    bytes[a.length + 20]! ^= 1;
    const s = scanRecords(bytes, 0);
    assert.equal(s.records.length, 1);
    assert.equal(s.tailBytes, b.length);
    assert.match(s.tailReason, /checksum/);
  });

  it('checks a single record against the expected type and length', () => {
    assert.equal(checkRecord(b, RECORD_TYPES.chunk), '');
    assert.match(checkRecord(b, RECORD_TYPES.wal), /type/);
    assert.match(checkRecord(b.subarray(0, b.length - 1), RECORD_TYPES.chunk), /incomplete/);
    const bad = Uint8Array.from(b);
    bad[RECORD_HEADER_BYTES]! ^= 1;
    assert.match(checkRecord(bad, RECORD_TYPES.chunk), /checksum/);
  });
});
