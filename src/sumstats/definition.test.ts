import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileWhere, validateSumStatDef } from './definition.js';
import type { SumStatDef } from './definition.js';
import { SumStatsEngineError } from './errors.js';

const GOOD: SumStatDef = {
  name: 'scan',
  epochMs: 60_000,
  reducers: [
    { name: 'ports', stream: 'conn.attempt', spec: { kind: 'unique', n: 1000 } },
    {
      name: 'lat',
      stream: 'rtt',
      spec: { kind: 'quantile', quantiles: [0.5, 0.99] },
      key: 'lower',
    },
  ],
  threshold: { value: 'ports', threshold: 100 },
};

/** Run validateSumStatDef on GOOD with `patch` applied (by JSON path), returning the error. */
function problem(mutate: (def: Record<string, unknown>) => void): SumStatsEngineError {
  const def = structuredClone(GOOD) as unknown as Record<string, unknown>;
  mutate(def);
  try {
    validateSumStatDef(def, 'sumstats[0]');
  } catch (err) {
    assert.ok(
      err instanceof SumStatsEngineError,
      `expected SumStatsEngineError, got ${String(err)}`,
    );
    assert.equal(err.code, 'CANOPY_ERR_SUMSTATS_DEF');
    return err;
  }
  assert.fail('expected a validation error');
}

type Rec = Record<string, unknown>;
const reducer = (def: Rec, i: number): Rec => (def['reducers'] as Rec[])[i]!;

test('a valid definition comes back as a clean copy', () => {
  const out = validateSumStatDef(structuredClone(GOOD), 'sumstats[0]');
  assert.deepEqual(out, GOOD);
  const fn = (): number => 1;
  const withFn = validateSumStatDef({ ...GOOD, threshold: { value: fn, series: [1, 2] } }, 'x');
  assert.equal(withFn.threshold?.value, fn, 'a value function is accepted from code');
});

test('errors are located at the offending field', () => {
  const cases: [(d: Rec) => void, string, RegExp][] = [
    [
      (d) => (reducer(d, 1)['spec'] = { kind: 'topk', n: 0 }),
      'sumstats[0].reducers[1].spec.n',
      /integer ≥ 1/,
    ],
    [
      (d) => (reducer(d, 0)['spec'] = { kind: 'nope' }),
      'sumstats[0].reducers[0].spec.kind',
      /one of/,
    ],
    [
      (d) => (reducer(d, 1)['name'] = 'ports'),
      'sumstats[0].reducers[1].name',
      /duplicate of sumstats\[0\]\.reducers\[0\]/,
    ],
    [(d) => (reducer(d, 1)['name'] = 'a.b'), 'sumstats[0].reducers[1].name', /no dots/],
    [(d) => (reducer(d, 0)['stream'] = ''), 'sumstats[0].reducers[0].stream', /non-empty/],
    [(d) => (reducer(d, 0)['colour'] = 1), 'sumstats[0].reducers[0].colour', /unknown key/],
    [
      (d) => (reducer(d, 0)['where'] = { num: { gt: 'x' } }),
      'sumstats[0].reducers[0].where.num.gt',
      /finite number/,
    ],
    [
      (d) => (reducer(d, 0)['where'] = { str: { match: '(' } }),
      'sumstats[0].reducers[0].where.str.match',
      /invalid regex/,
    ],
    [
      (d) => (reducer(d, 0)['where'] = { str: {} }),
      'sumstats[0].reducers[0].where.str',
      /match or in/,
    ],
    [
      (d) => (reducer(d, 0)['key'] = { ouDepth: 0 }),
      'sumstats[0].reducers[0].key.ouDepth',
      /integer from 1/,
    ],
    [(d) => (reducer(d, 0)['key'] = 'upper'), 'sumstats[0].reducers[0].key', /'as-is'/],
    [(d) => (d['epochMs'] = 5), 'sumstats[0].epochMs', /from 100/],
    [(d) => delete d['epochMs'], 'sumstats[0].epochMs', /required/],
    [(d) => (d['name'] = ''), 'sumstats[0].name', /letters/],
    [(d) => (d['reducers'] = []), 'sumstats[0].reducers', /non-empty/],
    [(d) => (d['earlyShare'] = 0), 'sumstats[0].earlyShare', /greater than 0/],
    [(d) => (d['extra'] = true), 'sumstats[0].extra', /unknown key/],
    [(d) => (d['threshold'] = { value: 'ports' }), 'sumstats[0].threshold', /exactly one of/],
    [
      (d) => (d['threshold'] = { value: 'ports', threshold: 1, series: [2] }),
      'sumstats[0].threshold',
      /exactly one/,
    ],
    [
      (d) => (d['threshold'] = { value: 'ports', series: [5, 5] }),
      'sumstats[0].threshold.series[1]',
      /greater than/,
    ],
    [
      (d) => (d['threshold'] = { value: 'nope', threshold: 1 }),
      'sumstats[0].threshold.value',
      /not a reducer.*have: ports, lat/,
    ],
    [
      (d) => (d['threshold'] = { value: 'lat', threshold: 1 }),
      'sumstats[0].threshold.value',
      /needs a field: one of lat\.0\.5, lat\.0\.99, lat\.count/,
    ],
    [
      (d) => (d['threshold'] = { value: 'lat.0.9', threshold: 1 }),
      'sumstats[0].threshold.value',
      /not a field/,
    ],
    [
      (d) => (d['threshold'] = { value: 3, threshold: 1 }),
      'sumstats[0].threshold.value',
      /function/,
    ],
  ];
  for (const [mutate, path, message] of cases) {
    const err = problem(mutate);
    assert.equal(err.path, path, err.message);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    assert.match(err.message, message);
  }
});

test('valid threshold paths per reducer kind', () => {
  const def = (value: string, spec: SumStatDef['reducers'][number]['spec']): unknown => ({
    name: 's',
    epochMs: null,
    reducers: [{ name: 'r', stream: 's', spec }],
    threshold: { value, threshold: 1 },
  });
  for (const [value, spec] of [
    ['r', { kind: 'sum' }],
    ['r', { kind: 'unique' }],
    ['r.count', { kind: 'unique' }],
    ['r', { kind: 'hll_unique' }],
    ['r.stdError', { kind: 'hll_unique' }],
    ['r.0.99', { kind: 'quantile' }],
    ['r.count', { kind: 'quantile' }],
    ['r', { kind: 'topk', n: 3 }],
    ['r.2.count', { kind: 'topk', n: 3 }],
    ['r', { kind: 'last' }],
    ['r.seen', { kind: 'sample' }],
  ] as const) {
    assert.doesNotThrow(
      () => validateSumStatDef(def(value, spec), 'x'),
      `${value} on ${spec.kind}`,
    );
  }
  assert.throws(() => validateSumStatDef(def('r.x', { kind: 'sum' }), 'x'), /gives a number/);
  assert.throws(
    () => validateSumStatDef(def('r.3.count', { kind: 'topk', n: 3 }), 'x'),
    /not a field/,
  );
});

test('compiled predicates: numeric bounds, regex, set, and both', () => {
  const num = compileWhere({ num: { gt: 1, le: 5 } })!;
  assert.deepEqual(
    [0, 1, 2, 5, 6].map((n) => num({ num: n })),
    [false, false, true, true, false],
  );
  assert.equal(num({ str: '3' }), false, 'a numeric condition needs a number');
  const str = compileWhere({ str: { match: '^ssh', in: ['ssh', 'sshd', 'http'] } })!;
  assert.deepEqual(
    ['ssh', 'sshd', 'http', 'sshx'].map((s) => str({ str: s })),
    [true, true, false, false],
  );
  assert.equal(str({ num: 1 }), false);
  const both = compileWhere({ num: { ge: 10 }, str: { in: ['a'] } })!;
  assert.equal(both({ num: 10, str: 'a' }), true);
  assert.equal(both({ num: 9, str: 'a' }), false);
  assert.equal(both({ num: 10, str: 'b' }), false);
  assert.equal(compileWhere(undefined), undefined);
});
