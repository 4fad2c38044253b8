import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatDuration, parseDuration } from './duration.js';

void describe('durations', () => {
  void it('reads PromQL durations in milliseconds', () => {
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1500ms'), 1500);
    assert.equal(parseDuration('1m5s250ms'), 65_250);
    assert.equal(parseDuration('2w1d'), 15 * 86_400_000);
    assert.equal(parseDuration('1y'), 365 * 86_400_000);
  });

  void it('refuses what is not a duration', () => {
    for (const bad of [
      '',
      '5',
      'm',
      '30m1h',
      '1m1m',
      '5x',
      '0s',
      '1.5m',
      ' 5m',
      '-5m',
      `${'9'.repeat(30)}y`,
    ]) {
      assert.equal(parseDuration(bad), undefined, bad);
    }
  });

  void it('formats the shortest text that reads back the same', () => {
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(86_400_000), '1d');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 45 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms);
      }),
    );
  });
});
