import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BitReader } from './bit-reader.js';
import {
  bitLength,
  putBits,
  putBits32,
  putSigned,
  putWide,
  unzigzag,
  zigzag,
} from './bit-writer.js';
import { ARCHIVE_ERROR_CODES, ArchiveError } from './errors.js';
import { readRice, RICE_SWITCH, writeRice, writeSwitch } from './rice-code.js';

type Field =
  | { kind: 'bits'; n: number; v: number }
  | { kind: 'wide'; n: number; v: number }
  | { kind: 'u32'; n: number; v: number }
  | { kind: 'signed'; v: number }
  | { kind: 'rice'; k: number; v: number }
  | { kind: 'switch' };

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc
    .integer({ min: 0, max: 24 })
    .chain((n) => fc.nat({ max: 2 ** n - 1 }).map((v): Field => ({ kind: 'bits', n, v }))),
  fc
    .integer({ min: 0, max: 53 })
    .chain((n) =>
      fc
        .double({ min: 0, max: 2 ** n - 1, noNaN: true })
        .map((v): Field => ({ kind: 'wide', n, v: Math.floor(v) })),
    ),
  fc
    .integer({ min: 1, max: 32 })
    .chain((n) =>
      fc
        .double({ min: 0, max: 2 ** n - 1, noNaN: true })
        .map((v): Field => ({ kind: 'u32', n, v: Math.floor(v) })),
    ),
  fc.maxSafeInteger().map((v): Field => ({ kind: 'signed', v })),
  fc
    .tuple(
      fc.integer({ min: 0, max: 52 }),
      fc.oneof(
        fc.nat({ max: 5000 }),
        fc.maxSafeInteger().map((x) => Math.abs(x)),
      ),
    )
    .map(([k, v]): Field => ({ kind: 'rice', k, v })),
  fc.constant<Field>({ kind: 'switch' }),
);

function write(fields: Field[], startBit: number): { buf: Uint8Array; end: number } {
  const buf = new Uint8Array(16 + fields.length * 16).fill(0xa5); // garbage must not leak in
  let pos = startBit;
  for (const f of fields) {
    if (f.kind === 'bits') pos = putBits(buf, pos, f.v, f.n);
    else if (f.kind === 'wide') pos = putWide(buf, pos, f.v, f.n);
    else if (f.kind === 'u32') pos = putBits32(buf, pos, f.v, f.n);
    else if (f.kind === 'signed') pos = putSigned(buf, pos, f.v);
    else if (f.kind === 'rice') pos = writeRice(buf, pos, f.v, f.k);
    else pos = writeSwitch(buf, pos);
  }
  return { buf, end: pos };
}

function readField(r: BitReader, f: Field): number {
  if (f.kind === 'bits') return r.read(f.n);
  if (f.kind === 'wide') return r.readWide(f.n);
  if (f.kind === 'u32') return r.read32(f.n);
  if (f.kind === 'signed') return r.readSigned();
  if (f.kind === 'rice') return readRice(r, f.k);
  return readRice(r, 0);
}

describe('bit writer and reader', () => {
  it('round-trip any sequence of fields from any starting bit', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 30 }), fc.nat({ max: 15 }), (fields, start) => {
        const { buf, end } = write(fields, start);
        const r = new BitReader();
        r.reset(buf, start, end, 'test');
        for (const f of fields) {
          const want = f.kind === 'switch' ? RICE_SWITCH : f.v;
          assert.equal(readField(r, f), want, JSON.stringify(f));
        }
        assert.equal(r.remaining, 0);
      }),
    );
  });

  it('write most significant bit first and zero the unused bits of the last byte', () => {
    const buf = new Uint8Array(4).fill(0xff);
    let pos = putBits(buf, 0, 0b101, 3);
    pos = putBits(buf, pos, 0b1, 1);
    pos = putBits(buf, pos, 0b11, 2);
    assert.equal(pos, 6);
    assert.equal(buf[0], 0b10111100);
  });

  it('refuse to read past the end of the stream with CANOPY_ERR_CORRUPT_CHUNK', () => {
    const { buf, end } = write([{ kind: 'bits', n: 5, v: 31 }], 0);
    const r = new BitReader();
    r.reset(buf, 0, end, 'test');
    assert.throws(
      () => r.read(6),
      (e: unknown) => e instanceof ArchiveError && e.code === ARCHIVE_ERROR_CODES.corruptChunk,
    );
    r.reset(buf, 0, end, 'test');
    // Five ones then the end: the unary code never terminates inside the stream.
    assert.throws(() => r.readUnary(16), ArchiveError);
  });

  it('zigzag maps small magnitudes to small codes, exactly up to 2^52', () => {
    assert.deepEqual([0, -1, 1, -2, 2].map(zigzag), [0, 1, 2, 3, 4]);
    fc.assert(
      fc.property(
        fc.double({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1, noNaN: true }).map(Math.trunc),
        (r) => {
          const z = zigzag(r);
          assert.ok(z >= 0 && z < 2 ** 53);
          assert.equal(unzigzag(z), r === 0 ? 0 : r); // never -0
        },
      ),
    );
  });

  it('bitLength counts bits up to 2^53', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1].map(bitLength),
      [0, 1, 2, 2, 8, 9, 32, 33, 53],
    );
  });
});
