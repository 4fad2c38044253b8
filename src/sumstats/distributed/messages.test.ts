import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonValue } from '../../protocol/index.js';
import { parseSumStatsMessage, toJsonBody } from './messages.js';

test('messages round-trip through JSON with base64 reducer encodings', () => {
  const bytes = new Uint8Array([0x43, 0x53, 0x52, 1, 2, 255]);
  const m = { t: 'batch', sumstat: 's', gen: 3, keys: [['k', { r: bytes }]], done: true } as const;
  const back = parseSumStatsMessage(
    JSON.parse(JSON.stringify(toJsonBody(m as never))) as JsonValue,
  );
  assert.ok(back?.t === 'batch');
  assert.deepEqual([...back.keys[0]![1]['r']!], [...bytes]);
  assert.equal(back.done, true);
});

test('other control bodies are not ours; malformed sumstats bodies are refused', () => {
  assert.equal(parseSumStatsMessage({ op: 'configure' }), undefined);
  assert.equal(parseSumStatsMessage([1, 2]), undefined);
  const bad: JsonValue[] = [
    { op: 'sumstats', t: 'nope' },
    { op: 'sumstats', t: 'near', sumstat: 's', key: 'k', value: 1, extra: 1 },
    { op: 'sumstats', t: 'near', sumstat: '', key: 'k', value: 1 },
    { op: 'sumstats', t: 'watch', sumstat: 's', gen: -1, keys: [] },
    { op: 'sumstats', t: 'watch', sumstat: 's', gen: 1, keys: [3] },
    { op: 'sumstats', t: 'state', sumstat: 's', gen: 1, states: [['k', { r: 'no*base64' }]] },
    { op: 'sumstats', t: 'batch', sumstat: 's', gen: 1, keys: [['k', null]], done: true },
    { op: 'sumstats', t: 'batch', sumstat: 's', gen: 1, keys: [], done: 'yes' },
    { op: 'sumstats', t: 'defs', defs: [{ name: 'x' }], removed: [] },
  ];
  for (const b of bad)
    assert.throws(
      () => parseSumStatsMessage(b),
      (err: { code?: string }) =>
        err.code === 'CANOPY_ERR_SUMSTATS_MESSAGE' || err.code === 'CANOPY_ERR_SUMSTATS_DEF',
      JSON.stringify(b),
    );
});

test('a definition whose threshold value is a function travels without its threshold', () => {
  const body = toJsonBody({
    t: 'defs',
    removed: [],
    defs: [
      {
        name: 'f',
        epochMs: null,
        reducers: [{ name: 'n', stream: 's', spec: { kind: 'count' } }],
        threshold: { value: () => 1, threshold: 5 },
      },
    ],
  });
  const back = parseSumStatsMessage(JSON.parse(JSON.stringify(body)) as JsonValue);
  assert.ok(back?.t === 'defs');
  assert.equal(back.defs[0]!.threshold, undefined);
});
