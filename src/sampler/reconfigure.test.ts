import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAMPLER_ERROR_CODES } from './errors.js';
import type { PluginSpec } from './plugin.js';
import { planReconfigure, sameConfig } from './reconfigure.js';

const spec = (name: string, intervalMs = 1000, offsetMs = 0, config = {}): PluginSpec => ({
  name,
  intervalMs,
  offsetMs,
  config,
});

test('the plan sorts every plugin into unchanged, reschedule, replace, add and remove', () => {
  const running = [
    spec('cpu'),
    spec('meminfo'),
    spec('netdev', 1000, 0, { include: 'eth' }),
    spec('vmstat'),
  ];
  const plan = planReconfigure(running, [
    spec('cpu'),
    spec('meminfo', 5000, 100),
    spec('netdev', 1000, 0, { include: 'en' }),
    spec('loadavg'),
  ]);
  assert.deepEqual(plan.unchanged, ['cpu']);
  assert.deepEqual(
    plan.reschedule.map((s) => s.name),
    ['meminfo'],
  );
  assert.deepEqual(
    plan.replace.map((s) => s.name),
    ['netdev'],
  );
  assert.deepEqual(
    plan.add.map((s) => s.name),
    ['loadavg'],
  );
  assert.deepEqual(plan.remove, ['vmstat']);
});

test('a name listed twice or an unusable schedule refuses the whole list', () => {
  assert.throws(() => planReconfigure([], [spec('cpu'), spec('cpu', 2000)]), {
    code: SAMPLER_ERROR_CODES.pluginConfig,
    message: /plugins\[1\]\.name: plugin listed twice/,
  });
  assert.throws(() => planReconfigure([], [spec('cpu', 1000, 1000)]), {
    code: SAMPLER_ERROR_CODES.badSchedule,
    message: /plugin cpu: plugins\[0\]: offset/,
  });
  assert.throws(() => planReconfigure([], [spec('cpu', 5)]), {
    code: SAMPLER_ERROR_CODES.badSchedule,
  });
});

test('options compare by content, not key order', () => {
  assert.equal(
    sameConfig({ a: 1, b: [1, { c: 2, d: 3 }] }, { b: [1, { d: 3, c: 2 }], a: 1 }),
    true,
  );
  assert.equal(sameConfig({ a: 1 }, { a: '1' }), false);
  assert.equal(sameConfig({ a: [1, 2] }, { a: [2, 1] }), false);
  assert.equal(sameConfig({}, { a: undefined }), true);
});
