import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from './backoff.js';

test('delays grow geometrically within [ceiling/2, ceiling] and cap at max', () => {
  const lo = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, random: () => 0 });
  const hi = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, random: () => 0.999999 });
  const lows = Array.from({ length: 6 }, () => lo.next());
  const highs = Array.from({ length: 6 }, () => hi.next());
  assert.deepEqual(lows, [50, 100, 200, 400, 500, 500]);
  assert.deepEqual(highs, [100, 200, 400, 800, 1000, 1000]);
});

test('reset starts over', () => {
  const b = new Backoff({ initialMs: 10, maxMs: 1000, multiplier: 3, random: () => 0 });
  b.next();
  b.next();
  assert.equal(b.attempts, 2);
  b.reset();
  assert.equal(b.next(), 5);
});
