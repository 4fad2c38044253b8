import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { FRAME_HEADER_BYTES, PROTOCOL_VERSION } from './frame.js';
import { MESSAGE_TYPES } from './messages.js';
import type { DataMessage, Message } from './messages.js';
import { concat, mixedSet, sample, samplesEqual } from './test-helpers.js';

const nonce = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

/** One frame of every message type, in an order a real connection could send them. */
function allFrames(enc: FrameEncoder): { frames: Uint8Array[]; expected: Message[] } {
  const set = mixedSet();
  const s1 = sample(1000, [10, 0.5, NaN, -3], [undefined, undefined, 'up', undefined]);
  const s2 = sample(2000, [25, 0.75, NaN, -3], [undefined, undefined, 'down', undefined]);
  const expected: Message[] = [
    {
      type: 'hello',
      version: 1,
      role: 'sampler',
      name: 'node-1',
      nonce: nonce(1),
      authMode: 'secret',
    },
    { type: 'challenge', role: 'aggregator', name: 'agg-1', nonce: nonce(2) },
    { type: 'auth', proof: nonce(3) },
    { type: 'auth-ok', proof: new Uint8Array(0) },
    { type: 'schema', setId: 7, set },
    { type: 'data', seq: 2 ** 40 + 3, entries: [{ setId: 7, sample: s1 }], unknownSetIds: [] },
    { type: 'data', seq: 2 ** 40 + 4, entries: [{ setId: 7, sample: s2 }], unknownSetIds: [] },
    { type: 'schema-request', setIds: [7, 0, 0xffffffff] },
    { type: 'ack', seq: Number.MAX_SAFE_INTEGER },
    { type: 'control', body: { op: 'set-interval', intervalMs: 500, hosts: ['a', 'b'] } },
    { type: 'summary', body: { sum: 1.5, num: 3 } },
    { type: 'error', code: 'CANOPY_ERR_BAD_MAGIC', message: 'bad magic at 0' },
  ];
  return { frames: expected.map((m) => enc.encode(m)), expected };
}

function assertSameMessages(actual: Message[], expected: Message[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((m, i) => {
    const e = expected[i]!;
    if (m.type === 'data' && e.type === 'data') {
      assert.equal(m.seq, e.seq);
      assert.deepEqual(m.unknownSetIds, e.unknownSetIds);
      assert.equal(m.entries.length, e.entries.length);
      m.entries.forEach((entry, j) => {
        assert.equal(entry.setId, e.entries[j]!.setId);
        assert.ok(samplesEqual(entry.sample, e.entries[j]!.sample), `sample ${i}/${j} differs`);
      });
    } else {
      assert.deepEqual(m, e);
    }
  });
}

describe('frame header', () => {
  it('has magic, version 1, type code, zero flags and the payload length', () => {
    const frame = new FrameEncoder().ack(5);
    assert.equal(FRAME_HEADER_BYTES, 10);
    assert.deepEqual(
      [...frame.subarray(0, 6)],
      [0x43, 0x4e, PROTOCOL_VERSION, MESSAGE_TYPES.ack, 0, 0],
    );
    assert.equal(new DataView(frame.buffer).getUint32(6, true), 8);
    assert.equal(frame.length, FRAME_HEADER_BYTES + 8);
  });
});

describe('every message type', () => {
  it('round-trips through FrameEncoder and FrameDecoder', () => {
    const { frames, expected } = allFrames(new FrameEncoder());
    const dec = new FrameDecoder();
    const out = frames.flatMap((f) => dec.push(f));
    assertSameMessages(out, expected);
    assert.equal(dec.framesDecoded, expected.length);
  });

  it('encodes each type with its MESSAGE_TYPES code', () => {
    const { frames, expected } = allFrames(new FrameEncoder());
    frames.forEach((f, i) => assert.equal(f[3], MESSAGE_TYPES[expected[i]!.type]));
  });

  it('sends only the changes after the first sample of a set', () => {
    const enc = new FrameEncoder();
    enc.schema(1, mixedSet());
    const first = enc.data(1, [
      {
        setId: 1,
        sample: sample(1000, [1e6, 0.25, NaN, 7], [undefined, undefined, 'x', undefined]),
      },
    ]);
    const second = enc.data(2, [
      {
        setId: 1,
        sample: sample(2000, [1e6 + 50, 0.25, NaN, 7], [undefined, undefined, 'x', undefined]),
      },
    ]);
    assert.ok(second.length < first.length, `${second.length} < ${first.length}`);
    // header 10 + seq 8 + count 1 + setId 1 + len 1 + flags 1 + ts 2 (delta-of-delta 1000)
    // + change bitmap 1 + one delta (+50 → zigzag 100 → 1 byte)
    assert.equal(second.length, 26);
  });
});

describe('incremental decoding', () => {
  const stream = (): { bytes: Uint8Array; expected: Message[] } => {
    const { frames, expected } = allFrames(new FrameEncoder());
    return { bytes: concat(frames), expected };
  };

  it('decodes a multi-frame stream fed one byte at a time', () => {
    const { bytes, expected } = stream();
    const dec = new FrameDecoder();
    const out: Message[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...dec.push(bytes.subarray(i, i + 1)));
    assertSameMessages(out, expected);
  });

  it('decodes the stream split in two at every position', () => {
    const { bytes, expected } = stream();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const dec = new FrameDecoder();
      const out = [...dec.push(bytes.subarray(0, cut)), ...dec.push(bytes.subarray(cut))];
      assertSameMessages(out, expected);
    }
  });

  it('decodes the stream split in three at many positions', () => {
    const { bytes, expected } = stream();
    for (let a = 0; a < bytes.length; a += 7) {
      for (let b = a; b <= bytes.length; b += 13) {
        const dec = new FrameDecoder();
        const out = [
          ...dec.push(bytes.subarray(0, a)),
          ...dec.push(bytes.subarray(a, b)),
          ...dec.push(bytes.subarray(b)),
        ];
        assertSameMessages(out, expected);
      }
    }
  });

  it('does not keep references to the caller chunk', () => {
    const { bytes } = stream();
    const copy = bytes.slice();
    const dec = new FrameDecoder();
    const out = dec.push(copy);
    copy.fill(0);
    const data = out.find((m): m is DataMessage => m.type === 'data')!;
    assert.equal(data.entries[0]!.sample.values[0], 10);
    assert.equal(out.find((m) => m.type === 'hello')!.type, 'hello');
  });
});
