import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SetInstance } from '../model/index.js';
import { parseSelector } from '../model/index.js';
import { LiveStore } from './live-store.js';

const set = (host: string, metrics = ['a', 'b']): SetInstance => ({
  ous: ['Lab', 'A'],
  host,
  groups: ['g'],
  schema: {
    name: 'g',
    metrics: metrics.map((name) => ({
      name,
      type: 'f64',
      unit: 'u',
      semantics: 'instant',
      description: '',
    })),
  },
});
const sample = (t: number, ...values: number[]) => ({
  timestampMs: t,
  values: Float64Array.from(values),
  strings: null,
});

test('replayed samples (same or older timestamp) are stored once', () => {
  const store = new LiveStore({ windowSamples: 10 });
  const s = set('h1');
  assert.equal(store.ingest(s, sample(1000, 1, 2), 0, 'p') !== undefined, true);
  assert.equal(store.ingest(s, sample(2000, 3, 4), 0, 'p') !== undefined, true);
  assert.equal(store.ingest(s, sample(2000, 3, 4), 0, 'p') !== undefined, false);
  assert.equal(store.ingest(s, sample(1000, 1, 2), 0, 'p') !== undefined, false);
  assert.equal(store.stats().duplicates, 2);
  const [a] = store.range(parseSelector('Lab::h1:g:a'), 0, 5000);
  assert.deepEqual(a?.points, [
    [1000, 1],
    [2000, 3],
  ]);
});

test('sets silent for DMAX leave the live tree; the others stay', () => {
  const store = new LiveStore({ windowSamples: 10 });
  store.ingest(set('old'), sample(1000, 1, 1), 1_000, 'p');
  store.ingest(set('new'), sample(1000, 1, 1), 60_000, 'p');
  assert.equal(store.expire(30_000), 1);
  assert.deepEqual(
    store.latest(parseSelector('Lab::*:g:a')).map((p) => p.name),
    ['Lab:A::new:g:a'],
  );
});

test('a schema change restarts the set window', () => {
  const store = new LiveStore({ windowSamples: 10 });
  store.ingest(set('h1'), sample(1000, 1, 2), 0, 'p');
  store.ingest(set('h1', ['a', 'b', 'c']), sample(2000, 5, 6, 7), 0, 'p');
  const c = store.latest(parseSelector('Lab::h1:g:*'));
  assert.deepEqual(
    c.map((p) => [p.name, p.value]),
    [
      ['Lab:A::h1:g:a', 5],
      ['Lab:A::h1:g:b', 6],
      ['Lab:A::h1:g:c', 7],
    ],
  );
  assert.equal(store.range(parseSelector('Lab::h1:g:a'), 0, 5000)[0]?.points.length, 1);
});
