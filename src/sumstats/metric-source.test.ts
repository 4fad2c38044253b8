import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, silentLogger } from '../common/index.js';
import { metric, validateSetInstance } from '../model/index.js';
import type { SetInstance, SetSample, SetSchema } from '../model/index.js';
import { SumStatsEngine } from './engine.js';
import type { ThresholdCrossing } from './events.js';
import { MetricSource } from './metric-source.js';

const CPU: SetSchema = {
  name: 'cpu',
  metrics: [
    metric('user', 'f64', 'instant', '%'),
    metric('sys', 'f64', 'instant', '%'),
    metric('cpu0:user', 'f64', 'instant', '%'),
    metric('governor', 'string', 'discrete'),
  ],
};

function set(ous: string[], host: string, schema: SetSchema = CPU): SetInstance {
  return validateSetInstance({ ous, host, groups: ['cpu'], schema });
}

function sample(values: number[], governor?: string): SetSample {
  return {
    timestampMs: 1000,
    values: Float64Array.from(values),
    strings: [undefined, undefined, undefined, governor],
  };
}

function engineWith(streams: string[]) {
  const crossings: ThresholdCrossing[] = [];
  const engine = new SumStatsEngine({
    clock: new ManualClock(0),
    logger: silentLogger,
    onCrossing: (c) => crossings.push(c),
  });
  engine.define({
    name: 'm',
    epochMs: null,
    reducers: streams.map((s) => ({
      name: s.replace(/\W/g, '_'),
      stream: s,
      spec: { kind: 'sum' as const },
    })),
  });
  return { engine, crossings };
}

test('selected metrics of real set instances become observations keyed by host or OU', () => {
  const { engine } = engineWith(['user.host', 'user.ou', 'all.ou1']);
  const source = new MetricSource({
    engine,
    rules: [
      { select: 'World:**::*:cpu:user', stream: 'user.host', key: 'host' },
      { select: 'World:**::*:cpu:user', stream: 'user.ou', key: 'ou' },
      { select: 'World::*:cpu:**:*', stream: 'all.ou1', key: { ouDepth: 1 } },
    ],
  });
  const a = set(['World', 'US'], 'h1');
  const b = set(['World', 'EU'], 'h2');
  const other = set(['Lab'], 'h3');
  source.onSamples([
    { set: a, sample: sample([10, 1, 100, NaN]) },
    { set: b, sample: sample([20, 2, 200, NaN]) },
    { set: other, sample: sample([40, 4, 400, NaN]) },
  ]);
  source.onSamples([{ set: a, sample: sample([5, NaN, 50, NaN]) }]);
  const r = Object.fromEntries(engine.endEpoch('m').keys);
  assert.deepEqual(Object.keys(r).sort(), ['World', 'World:EU', 'World:US', 'h1', 'h2']);
  assert.equal(
    r['h1']!['user_host'],
    15,
    'cpu0:user is a different metric: not selected by cpu:user',
  );
  assert.equal(r['h2']!['user_host'], 20);
  assert.equal(r['World:US']!['user_ou'], 15);
  assert.equal(r['World:EU']!['user_ou'], 20);
  // cpu:**:* selects user, sys and cpu0:user (NaN values are skipped), on both hosts.
  assert.equal(r['World']!['all_ou1'], 10 + 1 + 100 + 20 + 2 + 200 + 5 + 50);
});

test('string metrics observe their text; a changed schema is re-planned', () => {
  const crossings: ThresholdCrossing[] = [];
  const engine = new SumStatsEngine({
    clock: new ManualClock(0),
    logger: silentLogger,
    onCrossing: (c) => crossings.push(c),
  });
  engine.define({
    name: 'gov',
    epochMs: null,
    reducers: [{ name: 'kinds', stream: 'gov', spec: { kind: 'unique' } }],
    threshold: { value: 'kinds', threshold: 2 },
  });
  const source = new MetricSource({
    engine,
    rules: [{ select: '*::*:cpu:governor', stream: 'gov', key: 'host' }],
  });
  const s = set(['Lab'], 'h1');
  source.onSamples([{ set: s, sample: sample([0, 0, 0, NaN], 'ondemand') }]);
  source.onSamples([{ set: s, sample: sample([0, 0, 0, NaN], 'ondemand') }]);
  source.onSamples([{ set: s, sample: sample([0, 0, 0, NaN]) }]);
  assert.equal(crossings.length, 0);
  source.onSamples([{ set: s, sample: sample([0, 0, 0, NaN], 'performance') }]);
  assert.deepEqual(
    crossings.map((c) => [c.key, c.value]),
    [['h1', 2]],
    'onSamples checks thresholds before returning',
  );
  // Same instance name, new schema without the string metric: the plan is recomputed.
  const v2: SetSchema = { name: 'cpu', metrics: [metric('governor', 'f64', 'instant')] };
  source.onSamples([
    {
      set: set(['Lab'], 'h1', v2),
      sample: { timestampMs: 0, values: Float64Array.of(3), strings: null },
    },
  ]);
  const r = engine.endEpoch('gov').keys.get('h1')!['kinds'] as { count: number; values: string[] };
  assert.deepEqual(r.values, ['3', 'ondemand', 'performance']);
});

test('bad rules are refused with a located error', () => {
  const { engine } = engineWith(['x']);
  assert.throws(
    () => new MetricSource({ engine, rules: [{ select: 'a::/[/', stream: 'x', key: 'host' }] }),
    {
      code: 'CANOPY_ERR_SUMSTATS_DEF',
      message: /^rules\[0\]\.select: /,
    },
  );
  assert.throws(
    () => new MetricSource({ engine, rules: [{ select: '*::*', stream: '', key: 'host' }] }),
    {
      message: /^rules\[0\]\.stream: /,
    },
  );
  assert.throws(
    () =>
      new MetricSource({ engine, rules: [{ select: '*::*', stream: 'x', key: { ouDepth: 0 } }] }),
    { message: /^rules\[0\]\.key: / },
  );
});
