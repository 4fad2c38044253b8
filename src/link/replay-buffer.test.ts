import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SetInstance, SetSample } from '../model/index.js';
import { ReplayBuffer, sampleBytes } from './replay-buffer.js';

const set: SetInstance = {
  ous: ['Lab'],
  host: 'h1',
  groups: ['g'],
  schema: {
    name: 'g',
    metrics: [{ name: 'm', type: 'f64', unit: '', semantics: 'instant', description: '' }],
  },
};
const sample = (t: number): SetSample => ({
  timestampMs: t,
  values: new Float64Array([t]),
  strings: null,
});

test('ack releases a prefix; rewind resends the unacknowledged in order', () => {
  const b = new ReplayBuffer(1 << 20);
  for (let t = 1; t <= 5; t++) b.push(set, sample(t));
  const first = b.takeUnsent(2);
  first.forEach((i) => (i.seq = 1));
  const second = b.takeUnsent(10);
  second.forEach((i) => (i.seq = 2));
  assert.equal(b.unsentCount(), 0);
  assert.equal(b.ack(1), 2);
  b.rewind();
  const again = b.takeUnsent(10);
  assert.deepEqual(
    again.map((i) => i.sample.timestampMs),
    [3, 4, 5],
  );
  assert.ok(
    again.every((i) => i.seq === undefined),
    'rewound items lose their old frame seq',
  );
  again.forEach((i) => (i.seq = 3));
  assert.equal(b.ack(3), 3);
  assert.equal(b.stats().samples, 0);
  assert.equal(b.stats().ackedSamples, 5);
  assert.equal(b.stats().bytes, 0);
});

test('an ack never releases samples that were not sent', () => {
  const b = new ReplayBuffer(1 << 20);
  b.push(set, sample(1));
  b.push(set, sample(2));
  b.takeUnsent(1).forEach((i) => (i.seq = 7));
  assert.equal(b.ack(100), 1);
  assert.equal(b.stats().samples, 1);
  assert.deepEqual(
    b.takeUnsent(5).map((i) => i.sample.timestampMs),
    [2],
  );
});

test('the byte bound drops the oldest samples and counts them', () => {
  const one = sampleBytes(sample(0));
  const b = new ReplayBuffer(one * 10);
  for (let t = 1; t <= 25; t++) b.push(set, sample(t));
  const s = b.stats();
  assert.equal(s.samples, 10);
  assert.equal(s.droppedSamples, 15);
  assert.equal(s.droppedBytes, 15 * one);
  assert.ok(s.bytes <= s.maxBytes);
  assert.deepEqual(
    b.takeUnsent(100).map((i) => i.sample.timestampMs),
    [16, 17, 18, 19, 20, 21, 22, 23, 24, 25],
  );
});

test('memory stays bounded over a long disconnection', () => {
  const b = new ReplayBuffer(64 * 1024);
  for (let t = 1; t <= 200_000; t++) b.push(set, sample(t));
  assert.ok(b.stats().bytes <= 64 * 1024);
  assert.equal(b.stats().samples + b.stats().droppedSamples, 200_000);
});

test('a non-positive bound is refused', () => {
  assert.throws(() => new ReplayBuffer(0), RangeError);
});
