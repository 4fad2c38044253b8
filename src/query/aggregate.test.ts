import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from './evaluate.js';
import { MemorySource } from './test-support.js';

/** Two OUs under Lab plus one outside it; cpu:user in %, one series with a job label. */
function cluster(): MemorySource {
  return new MemorySource()
    .add(
      'Lab:A::n1:cpu:user',
      [
        [0, 1],
        [1000, 2],
      ],
      { unit: '%' },
    )
    .add(
      'Lab:A::n2:cpu:user',
      [
        [0, 3],
        [1000, 4],
      ],
      { unit: '%' },
    )
    .add('Lab:B::n3:cpu:user{job="x"}', [[0, 10]], { unit: '%' })
    .add(
      'Lab:B::n3:cpu:sys',
      [
        [0, 5],
        [1000, 6],
      ],
      { unit: '%' },
    )
    .add('Other::n4:mem:used', [[0, 100]], { unit: 'B' });
}

const RAW = { fromMs: 0, toMs: 1000 };

function summary(query: string, src = cluster()): [string, [number, number][]][] {
  return evaluate(query, src, RAW).map((s) => [s.name, s.points]);
}

void describe('aggregation across series', () => {
  void it('sums everything into one series named after the operator', () => {
    const out = evaluate('sum(Lab::*:cpu:user)', cluster(), RAW);
    assert.deepEqual(out, [
      {
        name: 'sum',
        labels: {},
        unit: '%',
        points: [
          [0, 14],
          [1000, 6],
        ],
      },
    ]);
  });

  void it('groups by ou, naming each group by its labels', () => {
    assert.deepEqual(summary('sum by (ou) (Lab::*:cpu:user)'), [
      [
        'sum by (ou) {ou="Lab:A"}',
        [
          [0, 4],
          [1000, 6],
        ],
      ],
      ['sum by (ou) {ou="Lab:B"}', [[0, 10]]],
    ]);
    const out = evaluate('sum(Lab::*:cpu:user) by (ou)', cluster(), RAW);
    assert.deepEqual(out[0]?.labels, { ou: 'Lab:A' });
  });

  void it('groups by the first N OU tokens with ou:N', () => {
    const src = cluster().add('Lab::n5:cpu:user', [[0, 100]]);
    assert.deepEqual(summary('sum by (ou:1) (Lab::*:cpu:*)', src), [
      [
        'sum by (ou:1) {ou="Lab"}',
        [
          [0, 119],
          [1000, 12],
        ],
      ],
    ]);
    const out = evaluate('max by (ou:1) (*::*:*:*)', src, RAW);
    assert.deepEqual(
      out.map((s) => [s.name, s.labels]),
      [
        ['max by (ou:1) {ou="Lab"}', { ou: 'Lab' }],
        ['max by (ou:1) {ou="Other"}', { ou: 'Other' }],
      ],
    );
    // A name with one OU has just that one under ou:2.
    assert.ok(evaluate('count by (ou:2) (*::*:*:*)', src, RAW).some((s) => s.labels.ou === 'Lab'));
  });

  void it('groups by host, by metric (groups and metric) and by a label', () => {
    assert.deepEqual(summary('avg by (host) (Lab::*:cpu:*)'), [
      [
        'avg by (host) {host="n1"}',
        [
          [0, 1],
          [1000, 2],
        ],
      ],
      [
        'avg by (host) {host="n2"}',
        [
          [0, 3],
          [1000, 4],
        ],
      ],
      [
        'avg by (host) {host="n3"}',
        [
          [0, 7.5],
          [1000, 6],
        ],
      ],
    ]);
    assert.deepEqual(summary('count by (metric) (Lab::*:cpu:*)'), [
      [
        'count by (metric) {metric="cpu:sys"}',
        [
          [0, 1],
          [1000, 1],
        ],
      ],
      [
        'count by (metric) {metric="cpu:user"}',
        [
          [0, 3],
          [1000, 2],
        ],
      ],
    ]);
    // A missing label reads as the empty string, as in PromQL.
    assert.deepEqual(summary('min by (job) (Lab::*:cpu:user)'), [
      [
        'min by (job) {job=""}',
        [
          [0, 1],
          [1000, 2],
        ],
      ],
      ['min by (job) {job="x"}', [[0, 10]]],
    ]);
    assert.deepEqual(summary('max by (ou:1, host) (Lab::n3:cpu:*)'), [
      [
        'max by (ou:1, host) {ou="Lab",host="n3"}',
        [
          [0, 10],
          [1000, 6],
        ],
      ],
    ]);
  });

  void it('keeps a common unit, drops mixed units, and count has none', () => {
    const unit = (q: string): string | undefined => evaluate(q, cluster(), RAW)[0]?.unit;
    assert.equal(unit('max(Lab::*:cpu:*)'), '%');
    assert.equal(unit('max(*::*:*:*)'), '');
    assert.equal(unit('count(Lab::*:cpu:*)'), '');
  });

  void it('aggregates aggregates', () => {
    assert.deepEqual(summary('max by (ou:1) (sum by (ou) (Lab::*:cpu:user))'), [
      [
        'max by (ou:1) {ou="Lab"}',
        [
          [0, 10],
          [1000, 6],
        ],
      ],
    ]);
  });

  void it('aligns series on the grid when there is a step', () => {
    const src = new MemorySource()
      .add('Lab::n1:cpu:user', [
        [0, 1],
        [1000, 2],
      ])
      .add('Lab::n2:cpu:user', [
        [300, 3],
        [1300, 4],
      ]);
    // Raw timestamps that differ do not line up…
    assert.deepEqual(summary('sum(Lab::*:cpu:user)', src), [
      [
        'sum',
        [
          [0, 1],
          [300, 3],
          [1000, 2],
        ],
      ],
    ]);
    // …the grid makes them.
    const out = evaluate('sum(Lab::*:cpu:user)', src, { fromMs: 0, toMs: 1000, stepMs: 1000 });
    assert.deepEqual(out[0]?.points, [
      [0, 4],
      [1000, 6],
    ]);
  });

  void it('returns nothing when no series has a point', () => {
    assert.deepEqual(evaluate('sum(Lab::*:cpu:user)', cluster(), { fromMs: 5000, toMs: 9000 }), []);
    assert.deepEqual(evaluate('sum(Nowhere::*:m)', cluster(), RAW), []);
  });
});

void describe('topk and bottomk', () => {
  function ranked(): MemorySource {
    return new MemorySource()
      .add('L::b:m', [
        [0, 4],
        [1000, 6],
      ])
      .add('L::a:m', [
        [0, 6],
        [1000, 4],
      ])
      .add('L::c:m', [
        [0, 9],
        [1000, -7],
      ])
      .add('L::d:m', [[5000, 100]])
      .add('L::e:m', [[0, Number.NaN]]);
  }
  const names = (q: string): string[] => evaluate(q, ranked(), RAW).map((s) => s.name);

  void it('ranks whole series by their average over the range, ties by name', () => {
    assert.deepEqual(names('topk(2, L::*:m)'), ['L::a:m', 'L::b:m']);
    assert.deepEqual(names('topk(1, L::*:m)'), ['L::a:m']);
    assert.deepEqual(names('bottomk(1, L::*:m)'), ['L::c:m']);
    assert.deepEqual(names('bottomk(2, L::*:m)'), ['L::c:m', 'L::a:m']);
  });

  void it('puts series without a number last and never returns series without points', () => {
    assert.deepEqual(names('topk(10, L::*:m)'), ['L::a:m', 'L::b:m', 'L::c:m', 'L::e:m']);
    assert.deepEqual(names('bottomk(10, L::*:m)'), ['L::c:m', 'L::a:m', 'L::b:m', 'L::e:m']);
    assert.deepEqual(names('topk(0, L::*:m)'), []);
  });

  void it('ranks aggregates and keeps their points whole', () => {
    const out = evaluate('topk(1, sum by (host) (L::*:m))', ranked(), RAW);
    assert.deepEqual(
      out.map((s) => [s.name, s.points]),
      [
        [
          'sum by (host) {host="a"}',
          [
            [0, 6],
            [1000, 4],
          ],
        ],
      ],
    );
  });
});

void describe('arithmetic with a number', () => {
  const src = (): MemorySource =>
    new MemorySource().add(
      'L::h:m',
      [
        [0, 2048],
        [1000, 1024],
      ],
      { unit: 'B' },
    );
  const run = (q: string): [number, number][] => evaluate(q, src(), RAW)[0]?.points ?? [];

  void it('applies + - * / on either side', () => {
    assert.deepEqual(run('L::h:m / 1024'), [
      [0, 2],
      [1000, 1],
    ]);
    assert.deepEqual(run('L::h:m * 2'), [
      [0, 4096],
      [1000, 2048],
    ]);
    assert.deepEqual(run('4096 - L::h:m'), [
      [0, 2048],
      [1000, 3072],
    ]);
    assert.deepEqual(run('1 + L::h:m'), [
      [0, 2049],
      [1000, 1025],
    ]);
    assert.deepEqual(run('2048 / L::h:m'), [
      [0, 1],
      [1000, 2],
    ]);
    assert.deepEqual(run('-L::h:m + (2 * 3)'), [
      [0, -2042],
      [1000, -1018],
    ]);
    assert.deepEqual(run('L::h:m / 0'), [
      [0, Infinity],
      [1000, Infinity],
    ]);
  });

  void it('keeps the unit for + and -, drops it for * and /, keeps the name', () => {
    const one = (q: string) => evaluate(q, src(), RAW)[0];
    assert.equal(one('L::h:m - 1')?.unit, 'B');
    assert.equal(one('L::h:m / 1024')?.unit, '');
    assert.equal(one('L::h:m / 1024')?.name, 'L::h:m');
  });
});
