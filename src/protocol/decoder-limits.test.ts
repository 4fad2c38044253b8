import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { ProtocolError } from './errors.js';
import { FRAME_HEADER_BYTES } from './frame.js';
import { MESSAGE_TYPES } from './messages.js';
import type { DataEntry } from './messages.js';
import { metricDef, mixedSet, sample } from './test-helpers.js';

function header(
  type: number,
  length: number,
  overrides: Partial<Record<number, number>> = {},
): Uint8Array {
  const h = new Uint8Array(FRAME_HEADER_BYTES);
  h.set([0x43, 0x4e, 1, type, 0, 0]);
  new DataView(h.buffer).setUint32(6, length, true);
  for (const [at, v] of Object.entries(overrides)) h[Number(at)] = v!;
  return h;
}

function frame(type: number, payload: number[]): Uint8Array {
  const f = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  f.set(header(type, payload.length));
  f.set(payload, FRAME_HEADER_BYTES);
  return f;
}

function rejects(
  dec: FrameDecoder,
  bytes: Uint8Array,
  code: string,
  messageMatch?: RegExp,
): ProtocolError {
  let caught: unknown;
  try {
    dec.push(bytes);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ProtocolError, `expected ProtocolError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  if (messageMatch) assert.match(caught.message, messageMatch);
  return caught;
}

describe('frame header checks', () => {
  it('rejects a length beyond maxFrameBytes as soon as the header is complete', () => {
    const dec = new FrameDecoder({ maxFrameBytes: 1024 });
    const err = rejects(
      dec,
      header(MESSAGE_TYPES.data, 0xffffffff),
      'CANOPY_ERR_FRAME_TOO_LARGE',
      /4294967295 bytes exceeds maxFrameBytes 1024/,
    );
    assert.equal(err.messageType, 'data');
    assert.equal(err.offset, 6);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const dec = new FrameDecoder({ maxFrameBytes: 6 });
    assert.deepEqual(dec.push(frame(MESSAGE_TYPES.control, [...Buffer.from('"abcd"')])), [
      { type: 'control', body: 'abcd' },
    ]);
  });

  it('names bad magic, version, type and flags with their stream offset', () => {
    const ok = new FrameEncoder().ack(1);
    rejects(
      new FrameDecoder(),
      new Uint8Array([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54, 0x54, 0x50]),
      'CANOPY_ERR_BAD_MAGIC',
      /offset 0/,
    );
    const err = rejects(
      new FrameDecoder(),
      Uint8Array.from([...ok, ...header(1, 0, { 2: 2 })]),
      'CANOPY_ERR_UNSUPPORTED_VERSION',
      /offset 20/,
    );
    assert.equal(err.offset, ok.length + 2);
    rejects(new FrameDecoder(), header(0x7f, 0), 'CANOPY_ERR_UNKNOWN_MESSAGE', /0x7f/);
    rejects(
      new FrameDecoder(),
      header(MESSAGE_TYPES.ack, 8, { 4: 1 }),
      'CANOPY_ERR_MALFORMED_FRAME',
      /flags/,
    );
  });

  it('is poisoned after an error: later pushes throw the same error', () => {
    const dec = new FrameDecoder();
    const first = rejects(dec, header(0x7f, 0), 'CANOPY_ERR_UNKNOWN_MESSAGE');
    assert.throws(
      () => dec.push(new FrameEncoder().ack(1)),
      (e) => e === first,
    );
    assert.equal(dec.error, first);
  });

  it('delivers the frames before a bad one through pushTo', () => {
    const dec = new FrameDecoder();
    const seen: string[] = [];
    const bytes = Uint8Array.from([...new FrameEncoder().ack(3), ...header(0x7f, 0)]);
    assert.throws(() => dec.pushTo(bytes, (m) => seen.push(m.type)), {
      code: 'CANOPY_ERR_UNKNOWN_MESSAGE',
    });
    assert.deepEqual(seen, ['ack']);
  });
});

describe('payload checks', () => {
  it('rejects trailing bytes, truncated fields and bad JSON', () => {
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.ack, [1, 0, 0, 0, 0, 0, 0, 0, 9]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /1 trailing bytes/,
    );
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.ack, [1, 0, 0]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /truncated seq/,
    );
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.ack, [0, 0, 0, 0, 0, 0, 0x20, 0]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /2\^53/,
    );
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.control, [...Buffer.from('{"a":')]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /not JSON/,
    );
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.control, [0xff, 0xfe]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /not UTF-8/,
    );
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.auth, [5, 1, 2, 3, 4, 5]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /proof length 5/,
    );
  });

  it('enforces maxStringBytes on names and on string values', () => {
    const long = 'x'.repeat(300);
    const bytes = new FrameEncoder().error('CANOPY_ERR_X', long);
    rejects(
      new FrameDecoder({ maxStringBytes: 200 }),
      bytes,
      'CANOPY_ERR_STRING_TOO_LONG',
      /message: 300 bytes exceeds 200/,
    );
    const enc = new FrameEncoder();
    const dec = new FrameDecoder({ maxStringBytes: 200 });
    dec.push(enc.schema(1, mixedSet()));
    const data = enc.data(1, [
      { setId: 1, sample: sample(1, [1, 1, NaN, 1], [undefined, undefined, long, undefined]) },
    ]);
    rejects(dec, data, 'CANOPY_ERR_STRING_TOO_LONG', /set 1: metric 2 string of 300 bytes/);
  });

  it('enforces maxMetricsPerSet on schemas', () => {
    const set = {
      ...mixedSet(),
      schema: {
        name: 'big',
        metrics: Array.from({ length: 40 }, (_, i) => metricDef(`m${i}`, 'u64')),
      },
    };
    const bytes = new FrameEncoder().schema(1, set);
    rejects(
      new FrameDecoder({ maxMetricsPerSet: 39 }),
      bytes,
      'CANOPY_ERR_TOO_MANY_METRICS',
      /metric count 40 exceeds limit 39/,
    );
    assert.equal(new FrameDecoder({ maxMetricsPerSet: 40 }).push(bytes).length, 1);
    assert.throws(() => new FrameEncoder({ maxMetricsPerSet: 39 }).schema(1, set), {
      code: 'CANOPY_ERR_TOO_MANY_METRICS',
    });
  });

  it('enforces maxSetsPerFrame on data frames', () => {
    const enc = new FrameEncoder();
    const dec = new FrameDecoder({ maxSetsPerFrame: 3 });
    dec.push(enc.schema(1, mixedSet()));
    const entry: DataEntry = {
      setId: 1,
      sample: sample(1, [1, 2, NaN, 3], [undefined, undefined, 'a', undefined]),
    };
    rejects(
      dec,
      enc.data(1, [entry, entry, entry, entry]),
      'CANOPY_ERR_TOO_MANY_SETS',
      /entry count 4 exceeds limit 3/,
    );
    assert.throws(
      () => new FrameEncoder({ maxSetsPerFrame: 3 }).data(1, [entry, entry, entry, entry]),
      { code: 'CANOPY_ERR_TOO_MANY_SETS' },
    );
  });

  it('enforces maxValuesPerFrame before decoding an entry', () => {
    const enc = new FrameEncoder();
    const dec = new FrameDecoder({ maxValuesPerFrame: 10 });
    dec.push(enc.schema(1, mixedSet()));
    const entry: DataEntry = { setId: 1, sample: sample(1, [1, 2, NaN, 3]) };
    assert.equal(dec.push(enc.data(1, [entry, entry])).length, 1);
    rejects(
      dec,
      enc.data(2, [entry, entry, entry]),
      'CANOPY_ERR_TOO_MANY_VALUES',
      /entry 2 \(set 1\)/,
    );
    const small = new FrameEncoder({ maxValuesPerFrame: 10 });
    small.schema(1, mixedSet());
    assert.throws(() => small.data(1, [entry, entry, entry]), {
      code: 'CANOPY_ERR_TOO_MANY_VALUES',
    });
  });

  it('rejects counts larger than the bytes left before allocating', () => {
    // data frame: seq, then an entry count of 60000 in a 12-byte payload
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES.data, [0, 0, 0, 0, 0, 0, 0, 0, 0xe0, 0xd4, 0x03, 0]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /exceeds the bytes left/,
    );
    rejects(
      new FrameDecoder(),
      frame(MESSAGE_TYPES['schema-request'], [0xff, 0xff, 0x03]),
      'CANOPY_ERR_MALFORMED_FRAME',
      /exceeds the bytes left/,
    );
  });

  it('enforces maxSchemas per connection', () => {
    const enc = new FrameEncoder();
    const dec = new FrameDecoder({ maxSchemas: 2 });
    dec.push(enc.schema(1, mixedSet()));
    dec.push(enc.schema(2, mixedSet()));
    dec.push(enc.schema(2, mixedSet('node-2'))); // re-declaring an id is not a new schema
    rejects(dec, enc.schema(3, mixedSet()), 'CANOPY_ERR_TOO_MANY_SCHEMAS', /set id 3/);
    const small = new FrameEncoder({ maxSchemas: 1 });
    small.schema(1, mixedSet());
    assert.throws(() => small.schema(2, mixedSet()), { code: 'CANOPY_ERR_TOO_MANY_SCHEMAS' });
  });

  it('rejects a schema that describes an invalid set', () => {
    const valid = new FrameEncoder().schema(1, mixedSet());
    // Replace the host "node-1" with "node:1": ':' is not allowed in a token.
    const bytes = Uint8Array.from(valid);
    const at = Buffer.from(bytes).indexOf('node-1');
    bytes[at + 4] = ':'.charCodeAt(0);
    rejects(new FrameDecoder(), bytes, 'CANOPY_ERR_INVALID_SCHEMA_MSG', /invalid set/);
  });

  it('rejects a non-keyframe entry whose value codes are out of range', () => {
    const enc = new FrameEncoder();
    const dec = new FrameDecoder();
    dec.push(enc.schema(1, mixedSet()));
    const bytes = enc.data(1, [
      { setId: 1, sample: sample(1, [1, 2.5, NaN, 3], [undefined, undefined, 'a', undefined]) },
    ]);
    const flagsAt = FRAME_HEADER_BYTES + 8 + 1 + 1 + 1;
    const bad = Uint8Array.from(bytes);
    bad[flagsAt] = bad[flagsAt]! | 0x80;
    rejects(dec, bad, 'CANOPY_ERR_MALFORMED_FRAME', /unknown entry flags/);
  });
});
