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

const other: SetInstance = { ...set, host: 'h2' };
const timestamps = (b: ReplayBuffer): [string, number][] =>
  b.takeUnsent(1e9).map((i) => [i.set.host, i.sample.timestampMs]);

test('takeAll hands over every held sample, in-flight ones included, and empties the buffer', () => {
  const b = new ReplayBuffer(1 << 20);
  for (let t = 1; t <= 5; t++) b.push(set, sample(t));
  b.takeUnsent(2).forEach((i) => (i.seq = 1));
  b.ack(1);
  b.takeUnsent(2).forEach((i) => (i.seq = 2)); // in flight, never acknowledged
  const taken = b.takeAll();
  assert.deepEqual(
    taken.map((i) => [i.sample.timestampMs, i.seq]),
    [
      [3, undefined],
      [4, undefined],
      [5, undefined],
    ],
  );
  assert.equal(b.stats().samples, 0);
  assert.equal(b.stats().bytes, 0);
  assert.equal(b.stats().droppedSamples, 0);
  assert.equal(b.unsentCount(), 0);
});

test('merge interleaves by timestamp, keeps each set ascending and skips exact duplicates', () => {
  const into = new ReplayBuffer(1 << 20);
  for (const t of [4, 5, 6]) into.push(set, sample(t));
  into.push(other, sample(5));
  into.takeUnsent(1).forEach((i) => (i.seq = 9)); // in flight on the new puller: goes out again
  const from = new ReplayBuffer(1 << 20);
  for (const t of [1, 2, 3, 4, 5]) from.push(set, sample(t));
  for (const t of [2, 5]) from.push(other, sample(t));
  const counts = into.merge(from.takeAll());
  assert.deepEqual(counts, { added: 4, duplicates: 3, dropped: 0 });
  assert.equal(into.stats().samples, 8);
  assert.equal(into.stats().bytes, 8 * sampleBytes(sample(1)));
  assert.deepEqual(timestamps(into), [
    ['h1', 1],
    ['h1', 2],
    ['h2', 2],
    ['h1', 3],
    ['h1', 4],
    ['h1', 5],
    ['h2', 5],
    ['h1', 6],
  ]);
});

test('merge keeps the byte bound by dropping the oldest, and counts them', () => {
  const per = sampleBytes(sample(1));
  const into = new ReplayBuffer(per * 4);
  for (const t of [10, 11]) into.push(set, sample(t));
  const from = new ReplayBuffer(1 << 20);
  for (const t of [1, 2, 3, 4]) from.push(set, sample(t));
  const counts = into.merge(from.takeAll());
  assert.deepEqual(counts, { added: 4, duplicates: 0, dropped: 2 });
  assert.deepEqual(
    timestamps(into).map(([, t]) => t),
    [3, 4, 10, 11],
  );
  assert.equal(into.stats().droppedSamples, 2);
  assert.ok(into.stats().bytes <= into.maxBytes);
});
