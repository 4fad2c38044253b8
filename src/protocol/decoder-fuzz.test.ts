import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { PROTOCOL_ERROR_CODES, ProtocolError } from './errors.js';
import type { Message } from './messages.js';
import { concat, metricDef, mixedSet, sample } from './test-helpers.js';

const LIMITS = {
  maxFrameBytes: 4096,
  maxSetsPerFrame: 64,
  maxMetricsPerSet: 64,
  maxStringBytes: 256,
  maxSchemas: 16,
};

/** A valid stream touching every decoder path: handshake, schemas, data with all value kinds, JSON. */
function validStream(): Uint8Array {
  const enc = new FrameEncoder(LIMITS);
  const nonce = new Uint8Array(32).fill(9);
  const frames = [
    enc.hello({ version: 1, role: 'sampler', name: 'n', nonce, authMode: 'none' }),
    enc.challenge({ role: 'aggregator', name: 'a', nonce }),
    enc.auth(new Uint8Array(32).fill(1)),
    enc.authOk(new Uint8Array(0)),
    enc.schema(1, mixedSet()),
    enc.schema(2, {
      ...mixedSet(),
      schema: {
        name: 'n',
        metrics: Array.from({ length: 12 }, (_, i) => metricDef(`m${i}`, 'f64')),
      },
    }),
  ];
  const many = (t: number): number[] =>
    Array.from(
      { length: 12 },
      (_, i) => [t * i, t / 100 + i, Math.PI * t, NaN, -0, Infinity][i % 6]!,
    );
  for (let t = 0; t < 4; t++) {
    frames.push(
      enc.data(t, [
        {
          setId: 1,
          sample: sample(
            1000 * t,
            [t * 1e6, t + 0.25, NaN, -t],
            [undefined, undefined, `v${t}`, undefined],
          ),
        },
        { setId: 2, sample: sample(1000 * t + (t % 2), many(t)) },
      ]),
    );
  }
  frames.push(
    enc.schemaRequest([1, 2]),
    enc.ack(7),
    enc.control({ a: [1, 'x'] }),
    enc.summary(null),
    enc.error('CANOPY_ERR_X', 'y'),
  );
  return concat(frames);
}

/** Push `bytes` in the given chunk sizes; only ProtocolErrors with a documented code may escape. */
function feed(bytes: Uint8Array, chunkSizes: number[]): Message[] {
  const dec = new FrameDecoder(LIMITS);
  const out: Message[] = [];
  let at = 0;
  let k = 0;
  try {
    while (at < bytes.length) {
      const size = Math.max(1, chunkSizes[k++ % Math.max(1, chunkSizes.length)] ?? bytes.length);
      out.push(...dec.push(bytes.subarray(at, at + size)));
      at += size;
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    assert.ok(err.code in PROTOCOL_ERROR_CODES, `undocumented code ${err.code}`);
    assert.ok(err.message.length > 0);
  }
  return out;
}

const chunks = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 });

describe('decoder against hostile input', () => {
  it('decodes the fixture stream (sanity check for the mutations below)', () => {
    assert.equal(feed(validStream(), [7]).length, 15);
  });

  it('random garbage only ever raises a coded ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        chunks,
        (bytes, sizes) => void feed(bytes, sizes),
      ),
      { numRuns: 500 },
    );
  });

  it('garbage after a valid header prefix only ever raises a coded ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x30 }),
        fc.uint8Array({ maxLength: 600 }),
        chunks,
        (type, tail, sizes) => {
          const head = Uint8Array.of(
            0x43,
            0x4e,
            1,
            type,
            0,
            0,
            tail.length & 0xff,
            tail.length >> 8,
            0,
            0,
          );
          feed(concat([head, tail]), sizes);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('random mutations of a valid stream only ever raise a coded ProtocolError', () => {
    const valid = validStream();
    const mutation = fc.record({
      at: fc.nat({ max: valid.length - 1 }),
      kind: fc.constantFrom('set', 'flip', 'delete', 'insert'),
      byte: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        chunks,
        (mutations, sizes) => {
          let bytes = Array.from(valid);
          for (const m of mutations) {
            const at = m.at % Math.max(1, bytes.length);
            if (m.kind === 'set') bytes[at] = m.byte;
            else if (m.kind === 'flip') bytes[at] = bytes[at]! ^ (1 << (m.byte & 7));
            else if (m.kind === 'delete') bytes.splice(at, 1);
            else bytes = [...bytes.slice(0, at), m.byte, ...bytes.slice(at)];
          }
          feed(Uint8Array.from(bytes), sizes);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a truncated stream decodes whole frames and waits for the rest without error', () => {
    const valid = validStream();
    for (let cut = 0; cut < valid.length; cut += 3) {
      const dec = new FrameDecoder(LIMITS);
      dec.push(valid.subarray(0, cut));
      assert.equal(dec.error, undefined);
    }
  });
});
