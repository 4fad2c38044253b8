import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseControl } from './control.js';

const plugin = { name: 'cpu', intervalMs: 1000, offsetMs: 200, config: { a: 1 } };

test('subscribe carries an optional takeover list of non-empty names', () => {
  assert.deepEqual(parseControl({ op: 'subscribe', mode: 'full' }), {
    op: 'subscribe',
    mode: 'full',
  });
  assert.deepEqual(parseControl({ op: 'subscribe', mode: 'full', takeover: ['a', 'b'] }), {
    op: 'subscribe',
    mode: 'full',
    takeover: ['a', 'b'],
  });
  for (const takeover of ['a', [''], [1], [null], {}, null])
    assert.equal(
      parseControl({ op: 'subscribe', mode: 'full', takeover }),
      undefined,
      `${JSON.stringify(takeover)}`,
    );
});

test('configure is taken whole or not at all', () => {
  assert.deepEqual(parseControl({ op: 'configure', plugins: [plugin], revision: 3 }), {
    op: 'configure',
    plugins: [plugin],
    revision: 3,
  });
  assert.deepEqual(parseControl({ op: 'configure', plugins: [], revision: 0 }), {
    op: 'configure',
    plugins: [],
    revision: 0,
  });
  const bad: unknown[] = [
    { op: 'configure', plugins: [plugin] },
    { op: 'configure', plugins: [plugin], revision: Number.NaN },
    { op: 'configure', plugins: [plugin], revision: '3' },
    { op: 'configure', plugins: {}, revision: 1 },
    { op: 'configure', plugins: [null], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, name: '' }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, name: 7 }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, intervalMs: 0, offsetMs: 0 }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, intervalMs: -5 }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, intervalMs: Infinity }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, offsetMs: -1 }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, offsetMs: 1000 }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, offsetMs: '0' }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, config: null }], revision: 1 },
    { op: 'configure', plugins: [{ ...plugin, config: [] }], revision: 1 },
    { op: 'configure', plugins: [{ name: 'cpu', intervalMs: 1000, offsetMs: 0 }], revision: 1 },
    { op: 'configure', plugins: [plugin, { ...plugin, intervalMs: 'x' }], revision: 1 },
  ];
  for (const body of bad) assert.equal(parseControl(body), undefined, JSON.stringify(body));
});

test('configure-result has a finite revision, a boolean ok and an optional non-empty error', () => {
  assert.deepEqual(parseControl({ op: 'configure-result', revision: 2, ok: true }), {
    op: 'configure-result',
    revision: 2,
    ok: true,
  });
  assert.deepEqual(parseControl({ op: 'configure-result', revision: 2, ok: false, error: 'no' }), {
    op: 'configure-result',
    revision: 2,
    ok: false,
    error: 'no',
  });
  for (const body of [
    { op: 'configure-result', revision: 2 },
    { op: 'configure-result', revision: 2, ok: 'yes' },
    { op: 'configure-result', revision: Infinity, ok: true },
    { op: 'configure-result', revision: 2, ok: false, error: '' },
    { op: 'configure-result', revision: 2, ok: false, error: 5 },
  ])
    assert.equal(parseControl(body), undefined, JSON.stringify(body));
});

test('unknown or non-object bodies are undefined', () => {
  for (const body of [null, 1, 'x', [], { op: 'nope' }, {}])
    assert.equal(parseControl(body), undefined);
});
