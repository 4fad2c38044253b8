import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CanopyError, isRetryableError } from '../../common/index.js';
import { createReducer, decodeReducer } from './create-reducer.js';
import { SUMSTATS_ERROR_CODES, SumStatsError } from './errors.js';
import { REDUCER_KINDS } from './spec.js';
import type { Reducer, ReducerSpec } from './spec.js';
import { validateReducerSpec } from './validate-spec.js';

function specError(message: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof SumStatsError);
    assert.equal(err.code, 'CANOPY_ERR_SUMSTATS_SPEC');
    assert.match(err.message, message);
    return true;
  };
}

describe('validateReducerSpec', () => {
  const where = 'sumstats[0].reducers[1].spec';
  const cases: [unknown, RegExp][] = [
    [null, /^sumstats\[0\]\.reducers\[1\]\.spec: must be an object with a kind$/],
    [[], /spec: must be an object/],
    [{}, /spec\.kind: must be one of sum, count, .*quantile$/],
    [{ kind: 'median' }, /spec\.kind: must be one of/],
    [{ kind: 'last', n: 0 }, /^sumstats\[0\]\.reducers\[1\]\.spec\.n: must be an integer ≥ 1$/],
    [{ kind: 'last', n: 2.5 }, /spec\.n: must be an integer ≥ 1$/],
    [{ kind: 'sample', n: '5' }, /spec\.n: must be an integer ≥ 1$/],
    [{ kind: 'unique', n: 1e7 }, /spec\.n: must be ≤ 1000000$/],
    [{ kind: 'topk', n: 10, counters: 5 }, /spec\.counters: must be an integer ≥ 10$/],
    [{ kind: 'topk', counters: 3 }, /spec\.counters: must be an integer ≥ 10$/],
    [{ kind: 'hll_unique', precision: 3 }, /spec\.precision: must be an integer from 4 to 16$/],
    [{ kind: 'hll_unique', precision: 17 }, /spec\.precision: must be an integer from 4 to 16$/],
    [
      { kind: 'quantile', relativeAccuracy: 0 },
      /spec\.relativeAccuracy: must be a number from 0\.001 to 0\.5$/,
    ],
    [{ kind: 'quantile', relativeAccuracy: NaN }, /spec\.relativeAccuracy: must be a number/],
    [{ kind: 'quantile', quantiles: [] }, /spec\.quantiles: must be a non-empty array/],
    [
      { kind: 'quantile', quantiles: [0.5, 1.5] },
      /spec\.quantiles\[1\]: must be a number from 0 to 1$/,
    ],
    [
      { kind: 'quantile', quantiles: [0.5, 0.9, 0.5] },
      /spec\.quantiles\[2\]: duplicate of .*spec\.quantiles\[0\]$/,
    ],
    [{ kind: 'sum', n: 3 }, /spec\.n: not used by kind sum$/],
    [{ kind: 'quantile', precision: 12 }, /spec\.precision: not used by kind quantile$/],
    [{ kind: 'sum', windowMs: 3 }, /spec\.windowMs: unknown field \(allowed: kind, n, counters/],
  ];
  for (const [input, message] of cases) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      assert.throws(() => validateReducerSpec(input, where), specError(message));
    });
  }

  it('returns a clean copy of a valid spec, without defaults', () => {
    const input = { kind: 'quantile', quantiles: [0.99, 0.5] };
    const out = validateReducerSpec(input, 'x');
    assert.deepEqual(out, { kind: 'quantile', quantiles: [0.99, 0.5] });
    assert.notEqual(out.quantiles, input.quantiles);
    assert.deepEqual(validateReducerSpec({ kind: 'topk', n: 5, counters: 5 }, 'x'), {
      kind: 'topk',
      n: 5,
      counters: 5,
    });
  });

  it('createReducer validates (naming the field) and fills defaults into reducer.spec', () => {
    assert.throws(
      () => createReducer({ kind: 'last', n: -1 }),
      specError(/^reducer\.n: must be an integer ≥ 1$/),
    );
    assert.deepEqual(createReducer({ kind: 'topk', n: 7 }).spec, {
      kind: 'topk',
      n: 7,
      counters: 14,
    });
    assert.deepEqual(createReducer({ kind: 'hll_unique' }).spec, {
      kind: 'hll_unique',
      precision: 14,
    });
    assert.deepEqual(createReducer({ kind: 'quantile' }).spec, {
      kind: 'quantile',
      relativeAccuracy: 0.01,
      quantiles: [0.5, 0.9, 0.99],
    });
  });

  it('never throws anything but the spec error on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.constantFrom(...REDUCER_KINDS),
        fc.dictionary(fc.string(), fc.anything()),
        (a, kind, extra) => {
          for (const input of [a, { kind, ...extra }, { ...extra, kind }]) {
            try {
              const spec = validateReducerSpec(input, 'w');
              createReducer(spec).result();
            } catch (err) {
              assert.ok(
                err instanceof SumStatsError && err.code === 'CANOPY_ERR_SUMSTATS_SPEC',
                String(err),
              );
            }
          }
        },
      ),
    );
  });
});

describe('merge checks', () => {
  function mergeError(a: Reducer, b: Reducer, message: RegExp): void {
    assert.throws(
      () => a.merge(b),
      (err: unknown) => {
        assert.ok(err instanceof SumStatsError);
        assert.equal(err.code, 'CANOPY_ERR_SUMSTATS_MERGE');
        assert.match(err.message, message);
        return true;
      },
    );
  }

  const pairs: [ReducerSpec, ReducerSpec, RegExp][] = [
    [{ kind: 'sum' }, { kind: 'count' }, /cannot merge count\(\) into sum\(\)/],
    [
      { kind: 'variance' },
      { kind: 'std_dev' },
      /cannot merge std_dev\(\) into variance\(\): kinds differ/,
    ],
    [{ kind: 'sum' }, { kind: 'average' }, /cannot merge average\(\) into sum\(\)/],
    [
      { kind: 'hll_unique', precision: 12 },
      { kind: 'hll_unique' },
      /hll_unique\(precision=14\) into hll_unique\(precision=12\): parameters differ/,
    ],
    [
      { kind: 'quantile', relativeAccuracy: 0.02 },
      { kind: 'quantile' },
      /quantile\(relativeAccuracy=0\.01, .*\) into quantile\(relativeAccuracy=0\.02, /,
    ],
    [
      { kind: 'quantile', quantiles: [0.5] },
      { kind: 'quantile' },
      /quantiles=\[0\.5,0\.9,0\.99\]\) into quantile\(.*quantiles=\[0\.5\]\)/,
    ],
    [
      { kind: 'topk', n: 5 },
      { kind: 'topk', n: 5, counters: 20 },
      /counters=20\) into topk\(n=5, counters=10\)/,
    ],
    [{ kind: 'last', n: 3 }, { kind: 'last', n: 4 }, /last\(n=4\) into last\(n=3\)/],
    [{ kind: 'unique', n: 3 }, { kind: 'unique' }, /unique\(n=10000\) into unique\(n=3\)/],
  ];
  for (const [a, b, message] of pairs) {
    it(`refuses ${JSON.stringify(b)} into ${JSON.stringify(a)}, naming both`, () => {
      mergeError(createReducer(a), createReducer(b), message);
      mergeError(createReducer(a), decodeReducer(createReducer(b).encode()), message);
    });
  }

  it('merges specs that differ only by spelled-out defaults', () => {
    const a = createReducer({ kind: 'quantile' });
    a.merge(
      createReducer({ kind: 'quantile', relativeAccuracy: 0.01, quantiles: [0.5, 0.9, 0.99] }),
    );
    const t = createReducer({ kind: 'topk' });
    t.merge(createReducer({ kind: 'topk', n: 10, counters: 20 }));
  });

  it('refuses foreign objects and a reducer merged into itself', () => {
    const r = createReducer({ kind: 'sum' });
    const foreign: Reducer = {
      spec: { kind: 'sum' },
      add() {},
      merge() {},
      result: () => 0,
      encode: () => new Uint8Array(0),
      bytes: () => 0,
    };
    mergeError(r, foreign, /cannot merge a foreign object into sum\(\)/);
    mergeError(r, r, /into itself/);
  });
});

describe('SumStatsError', () => {
  it('is a non-retryable CanopyError with the three stable codes', () => {
    assert.deepEqual(Object.values(SUMSTATS_ERROR_CODES).sort(), [
      'CANOPY_ERR_SUMSTATS_DECODE',
      'CANOPY_ERR_SUMSTATS_MERGE',
      'CANOPY_ERR_SUMSTATS_SPEC',
    ]);
    const e = new SumStatsError('CANOPY_ERR_SUMSTATS_DECODE', 'x', { cause: 1 });
    assert.ok(e instanceof CanopyError);
    assert.equal(e.name, 'SumStatsError');
    assert.equal(e.cause, 1);
    assert.equal(isRetryableError(e), false);
  });
});
