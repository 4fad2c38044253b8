import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SetInstance } from '../model/index.js';
import { FrameDecoder } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { ProtocolError } from './errors.js';
import { FRAME_HEADER_BYTES } from './frame.js';

const summary: SetInstance = {
  ous: ['Lab', 'A'],
  host: 'l1-a',
  groups: ['cpu'],
  kind: 'summary',
  schema: {
    name: 'cpu',
    metrics: [
      { name: 'user:count', type: 'u64', unit: '', semantics: 'instant', description: '' },
      { name: 'user:sum', type: 'f64', unit: 'ticks', semantics: 'counter', description: '' },
    ],
  },
};

test('the set kind survives a schema round trip, and host sets stay kind-less', () => {
  const { kind: _kind, ...hostSet } = summary;
  const enc = new FrameEncoder();
  const dec = new FrameDecoder();
  const msgs = dec.push(Uint8Array.from([...enc.schema(1, summary), ...enc.schema(2, hostSet)]));
  assert.equal(msgs.length, 2);
  const [a, b] = msgs;
  assert.ok(a?.type === 'schema' && b?.type === 'schema');
  assert.equal(a.set.kind, 'summary');
  assert.deepEqual(a.set, summary);
  assert.equal('kind' in b.set, false);
});

test('an unknown set kind code is a coded schema error', () => {
  const bytes = new FrameEncoder().schema(1, summary);
  // The kind byte follows the one-byte set id varint at the start of the payload.
  const corrupt = Uint8Array.from(bytes);
  assert.equal(corrupt[FRAME_HEADER_BYTES + 1], 1);
  corrupt[FRAME_HEADER_BYTES + 1] = 9;
  assert.throws(
    () => new FrameDecoder().push(corrupt),
    (err: unknown) =>
      err instanceof ProtocolError &&
      err.code === 'CANOPY_ERR_INVALID_SCHEMA_MSG' &&
      /kind/.test(err.message),
  );
});
