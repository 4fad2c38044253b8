import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CanopyError } from '../common/index.js';
import type { Selector } from '../model/index.js';
import { AGGREGATE_OPS, RANGE_FUNCTIONS, RANK_OPS } from './ast.js';
import { QUERY_ERROR_CODES } from './errors.js';
import { evaluate } from './evaluate.js';
import type { EvaluateOptions, SeriesRef, SeriesSource } from './types.js';
import { MemorySource, assertQueryError, regular } from './test-support.js';

const INVALID = 'CANOPY_ERR_INVALID_QUERY';
const TOO_LARGE = 'CANOPY_ERR_QUERY_TOO_LARGE';

void describe('work limits', () => {
  void it('refuses a grid of more than maxPoints before touching the source', () => {
    const src = new MemorySource().add('L::h:m', [[0, 1]]);
    const tooMany = { fromMs: 0, toMs: 11_000_000, stepMs: 1000 };
    assertQueryError(
      () => evaluate('L::h:m', src, tooMany),
      TOO_LARGE,
      undefined,
      'maxPoints 11000',
    );
    assert.equal(src.selects, 0);
    // 11,000 points exactly is allowed.
    assert.equal(evaluate('L::h:m', src, { ...tooMany, toMs: 10_999_000 }).length, 1);
  });

  void it('refuses raw series longer than maxPoints', () => {
    const src = new MemorySource().add(
      'L::h:m',
      regular(0, 19_000, 1000, (t) => t),
    );
    const opts = { fromMs: 0, toMs: 19_000, maxPoints: 10 };
    assertQueryError(
      () => evaluate('L::h:m', src, opts),
      TOO_LARGE,
      undefined,
      'L::h:m has 20 raw points',
    );
    assertQueryError(
      () => evaluate('avg_over_time(L::h:m)', src, opts),
      TOO_LARGE,
      undefined,
      'maxPoints 10',
    );
  });

  void it('refuses a selector that selects more than maxSeries series, before reading', () => {
    const src = new MemorySource();
    for (let i = 0; i < 5; i += 1) src.add(`L::h${i}:m`, [[0, i]]);
    const opts = { fromMs: 0, toMs: 0, maxSeries: 4 };
    assertQueryError(
      () => evaluate('sum(L::*:m)', src, opts),
      TOO_LARGE,
      undefined,
      'selects 5 series, more than maxSeries 4',
    );
    assert.ok(src.series.every((s) => s.reads.length === 0));
    assert.equal(evaluate('sum(L::*:m)', src, { ...opts, maxSeries: 5 })[0]?.points[0]?.[1], 10);
  });

  void it('stops a query that reads or visits more than maxSamples samples', () => {
    const src = new MemorySource().add(
      'L::h:m',
      regular(0, 3_600_000, 1000, () => 1),
    );
    const opts = { fromMs: 3_000_000, toMs: 3_600_000, stepMs: 1000 };
    // 601 windows of about 3,600 samples each: ~2.2 M visits.
    assertQueryError(
      () => evaluate('avg_over_time(L::h:m[1h])', src, { ...opts, maxSamples: 1_000_000 }),
      TOO_LARGE,
      undefined,
      'maxSamples 1000000',
    );
    assert.equal(evaluate('avg_over_time(L::h:m[1h])', src, opts)[0]?.points.length, 601);
    assertQueryError(
      () => evaluate('L::h:m', src, { fromMs: 0, toMs: 3_600_000, maxSamples: 100 }),
      TOO_LARGE,
    );
  });
});

void describe('bad options and trees', () => {
  const src = new MemorySource().add('L::h:m', [[0, 1]]);
  const bad: [string, unknown][] = [
    ['fromMs 5 is after toMs 1', { fromMs: 5, toMs: 1 }],
    ['fromMs must be a finite number', { fromMs: '0', toMs: 1 }],
    ['toMs must be a finite number', { fromMs: 0, toMs: Infinity }],
    ['stepMs must be > 0', { fromMs: 0, toMs: 1, stepMs: 0 }],
    ['stepMs must be a finite number', { fromMs: 0, toMs: 1, stepMs: Number.NaN }],
    [
      'interpolation must be one of nearest, linear, none',
      { fromMs: 0, toMs: 1, interpolation: 'cubic' },
    ],
    ['maxGapMs must be > 0', { fromMs: 0, toMs: 1, maxGapMs: -1 }],
    ['options are required', null],
  ];
  for (const [fragment, options] of bad) {
    void it(`refuses: ${fragment}`, () => {
      assertQueryError(
        () => evaluate('L::h:m', src, options as EvaluateOptions),
        INVALID,
        undefined,
        fragment,
      );
    });
  }

  void it('refuses a tree that selects nothing', () => {
    assertQueryError(
      () => evaluate({ kind: 'number', offset: 0, value: 1 }, src, { fromMs: 0, toMs: 1 }),
      INVALID,
      0,
    );
  });

  void it('lets errors of the source through unchanged', () => {
    const boom = new CanopyError('CANOPY_ERR_SOMETHING', 'archive unreadable', { retryable: true });
    const failing: SeriesSource = {
      select: (_s: Selector): SeriesRef[] => [
        {
          name: { ous: ['L'], host: 'h', groups: [], metric: 'm' },
          unit: '',
          semantics: 'instant',
          read: () => {
            throw boom;
          },
        },
      ],
    };
    assert.throws(
      () => evaluate('L::h:m', failing, { fromMs: 0, toMs: 1 }),
      (err) => err === boom,
    );
  });
});

void describe('docs/query.md', () => {
  const doc = readFileSync(new URL('../../../docs/query.md', import.meta.url), 'utf8');

  void it('documents every error code, function and aggregation', () => {
    const names = [
      ...Object.values(QUERY_ERROR_CODES),
      ...RANGE_FUNCTIONS,
      ...AGGREGATE_OPS,
      ...RANK_OPS,
    ];
    const missing = names.filter((n) => !doc.includes(`\`${n}`));
    assert.deepEqual(missing, []);
  });
});
