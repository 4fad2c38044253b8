import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  AggregateExpr,
  ArithmeticExpr,
  Expr,
  FunctionExpr,
  RankExpr,
  SelectorExpr,
} from './ast.js';
import { formatQuery } from './format.js';
import { parseQuery } from './parser.js';
import { assertQueryError } from './test-support.js';

const INVALID = 'CANOPY_ERR_INVALID_QUERY';

function canonical(text: string): string {
  return formatQuery(parseQuery(text));
}

void describe('parseQuery: accepted queries and their canonical form', () => {
  const cases: [string, string][] = [
    ['Lab::h:cpu:user', 'Lab::h:cpu:user'],
    ['  Lab::h:cpu:user  ', 'Lab::h:cpu:user'],
    ['rate(Lab::*:net:rx[5m])', 'rate(Lab::*:net:rx[5m])'],
    ['rate( Lab::*:net:rx [1h30m] )', 'rate(Lab::*:net:rx[1h30m])'],
    ['irate(Lab::h:m[90s])', 'irate(Lab::h:m[1m30s])'],
    ['sum by (ou:1, host) (Lab::*:cpu:user)', 'sum by (ou:1, host) (Lab::*:cpu:user)'],
    ['sum(Lab::*:cpu:user) by (ou)', 'sum by (ou) (Lab::*:cpu:user)'],
    ['sum by(metric)(Lab::*:cpu:*)', 'sum by (metric) (Lab::*:cpu:*)'],
    ['avg by () (Lab::*:m)', 'avg(Lab::*:m)'],
    ['count(Lab::*:m)', 'count(Lab::*:m)'],
    ['topk(3, rate(Lab::*:m))', 'topk(3, rate(Lab::*:m))'],
    ['bottomk(1 + 1, Lab::*:m)', 'bottomk(2, Lab::*:m)'],
    ['Lab::h:m * 100', 'Lab::h:m * 100'],
    ['100 *Lab::h:m', '100 * Lab::h:m'],
    // Without a space `*` belongs to the selector: this is the glob OU `100*Lab`.
    ['100*Lab::h:m', '100*Lab::h:m'],
    ['Lab::h:m/1024', 'Lab::h:m / 1024'],
    ['Lab::h:m * 2 + 1', '(Lab::h:m * 2) + 1'],
    ['1 + 2 * Lab::h:m', '1 + (2 * Lab::h:m)'],
    ['(1 + 2) * Lab::h:m', '(1 + 2) * Lab::h:m'],
    ['-Lab::h:m', '-1 * Lab::h:m'],
    ['Lab::h:m * -1.5e3', 'Lab::h:m * -1500'],
    ['Lab::h:m * Inf', 'Lab::h:m * Inf'],
    ['Lab::h:m - -Inf', 'Lab::h:m - -Inf'],
    ['((Lab::h:m))', 'Lab::h:m'],
    // Selector text that holds the grammar's own characters.
    ['rate(Lab::/(a|b),c/:m)', 'rate(Lab::/(a|b),c/:m)'],
    ['sum(Lab::h:m{job = "a, b) c"})', 'sum(Lab::h:m{job="a, b) c"})'],
    ['topk(1, Lab::{a,b}:m)', 'topk(1, Lab::{a,b}:m)'],
    ['sum(Lab::disk(0):m)', 'sum(Lab::disk(0):m)'],
    ['Lab::node-1:m-1', 'Lab::node-1:m-1'],
    ['Lab::node-[13]:m', 'Lab::node-[13]:m'],
    ['rate(Lab::node-[13]:m[1m])', 'rate(Lab::node-[13]:m[1m])'],
    ['rate(Lab::h:m{a="x"}[2h])', 'rate(Lab::h:m{a="x"}[2h])'],
    ['2024::h:m', '2024::h:m'],
    ['2 * 2024::h:m', '2 * 2024::h:m'],
    ['{job="x"}', '{job="x"}'],
    ['sum::h:m', 'sum::h:m'],
  ];
  for (const [input, expected] of cases) {
    void it(`${input}  →  ${expected}`, () => {
      assert.equal(canonical(input), expected);
      assert.equal(canonical(expected), expected, 'the canonical form is stable');
    });
  }
});

void describe('parseQuery: trees', () => {
  void it('reads ranges in milliseconds and keeps the selector', () => {
    const e = parseQuery('rate(Lab::h:m [1h30m])') as FunctionExpr;
    assert.equal(e.kind, 'function');
    assert.equal(e.fn, 'rate');
    assert.equal(e.arg.rangeMs, 5_400_000);
    assert.equal(e.arg.selector.toString(), 'Lab::h:m');
    assert.equal((parseQuery('rate(Lab::h:m)') as FunctionExpr).arg.rangeMs, undefined);
  });

  void it('reads grouping keys, prefix or suffix', () => {
    const a = parseQuery('sum by (ou:2, host, metric, job) (Lab::*:m)') as AggregateExpr;
    assert.deepEqual(a.by, [
      { kind: 'ou', depth: 2 },
      { kind: 'host' },
      { kind: 'metric' },
      { kind: 'label', name: 'job' },
    ]);
    const b = parseQuery('max(Lab::*:m) by (ou)') as AggregateExpr;
    assert.equal(b.op, 'max');
    assert.deepEqual(b.by, [{ kind: 'ou' }]);
    assert.deepEqual((parseQuery('min(Lab::*:m)') as AggregateExpr).by, []);
  });

  void it('gives * and / precedence over + and -, left to right', () => {
    const e = parseQuery('Lab::h:m - 1 - 2 * 3') as ArithmeticExpr;
    assert.equal(e.op, '-');
    assert.equal((e.lhs as ArithmeticExpr).op, '-');
    assert.equal((e.rhs as ArithmeticExpr).op, '*');
    assert.equal(e.offset, 13, 'the offset of an arithmetic node is its operator');
  });

  void it('reads topk counts and offsets of nodes', () => {
    const e = parseQuery('  topk(2, Lab::*:m)') as RankExpr;
    assert.equal(e.k, 2);
    assert.equal(e.offset, 2);
    assert.equal((e.arg as SelectorExpr).offset, 10);
  });

  void it('reads an OU named like a number, and a number before a selector', () => {
    const e = parseQuery('2 * 2024::h:m') as ArithmeticExpr;
    assert.deepEqual(
      [e.lhs.kind, (e.lhs as { value?: number }).value, e.rhs.kind],
      ['number', 2, 'selector'],
    );
  });

  void it('accepts NaN and case-insensitive Inf', () => {
    const e = parseQuery('Lab::h:m + nan') as ArithmeticExpr;
    assert.ok(Number.isNaN((e.rhs as { value: number }).value));
    const f = parseQuery('Lab::h:m + INF') as ArithmeticExpr;
    assert.equal((f.rhs as { value: number }).value, Infinity);
  });

  void it('returns the same tree as parsing its canonical text', () => {
    const strip = (x: Expr): unknown =>
      JSON.parse(
        JSON.stringify(x, (k, v: unknown) =>
          k === 'offset' ? undefined : k === 'selector' ? String(v) : v,
        ),
      );
    for (const q of ['sum by (host) (rate(Lab::*:m[5m])) / 2', 'topk(2, -Lab::*:m + 1)']) {
      assert.deepEqual(strip(parseQuery(canonical(q))), strip(parseQuery(q)));
    }
  });
});

void describe('parseQuery: errors name the offset and what was expected', () => {
  const cases: [string, number, string][] = [
    ['', 0, 'found the end of the query'],
    ['   ', 3, 'found the end of the query'],
    ['rate(L::h:m', 11, 'expected ")" to close rate('],
    ['rate(sum(L::h:m))', 5, 'rate() takes a selector'],
    ['rate(2)', 5, 'rate() takes a selector'],
    ['sum by (ou:0) (L::h:m)', 11, 'ou:N needs'],
    ['sum by (ou:) (L::h:m)', 11, 'expected the number of OU levels'],
    ['sum by (host, host) (L::h:m)', 14, 'duplicate grouping key "host"'],
    ['sum by (ou, ou:2) (L::h:m)', 12, 'duplicate grouping key "ou"'],
    ['sum by (1) (L::h:m)', 8, 'expected a grouping key'],
    ['sum by (host (L::h:m)', 13, 'expected "," or ")"'],
    ['sum by host (L::h:m)', 7, 'expected "(" after by'],
    ['sum by (host) (L::h:m) by (ou)', 23, 'two by'],
    ['sum without (host) (L::h:m)', 4, 'without (…) is not supported'],
    ['sum(3)', 4, 'needs series'],
    ['sum L::h:m', 4, 'expected "(" after sum'],
    ['L::h:m + L::h:n', 7, 'arithmetic between two series sets'],
    ['sum(L::h:m) * rate(L::h:m)', 12, 'arithmetic between two series sets'],
    ['L::h:m[5m]', 0, 'only allowed inside a function over time'],
    ['sum(L::h:m[5m])', 4, 'only allowed inside a function over time'],
    ['rate(L::h:m[5x])', 12, 'invalid range duration "5x"'],
    ['rate(L::h:m[30m1h])', 12, 'invalid range duration'],
    ['rate(L::h:m [0s])', 13, 'invalid range duration'],
    ['rate(L::h:m[5m] [1m])', 16, 'a second range'],
    ['rate(L::h:m [5m] [1m])', 17, 'expected ")" to close rate('],
    ['rate(L::h:m [5m', 12, 'unterminated range'],
    ['L::h', 4, 'missing metric after the host'],
    ['L::h:m{job="x}', 11, 'bad selector "L::h:m{job=\\"x}": unterminated label value'],
    ['L::/(a/:m', 3, 'invalid regex'],
    ['x', 0, 'expected a selector'],
    [')', 0, 'expected a selector'],
    ['* 2', 0, 'expected a selector'],
    ['foo(L::h:m)', 0, 'unknown function "foo"'],
    ['foo (L::h:m)', 0, 'unknown function "foo"'],
    ['rate', 4, 'expected "(" after rate'],
    ['rate L::h:m', 5, 'expected "(" after rate'],
    ['topk(L::h:m, L::h:n)', 5, 'must be a number'],
    ['topk(1.5, L::h:m)', 5, 'whole number'],
    ['topk(-1, L::h:m)', 5, 'whole number'],
    ['topk(2 L::h:m)', 7, 'expected "," after the count'],
    ['topk(2, 3)', 8, 'must select series'],
    ['1 + 2', 0, 'only a number'],
    ['L::h:m )', 7, 'expected an operator'],
    ['L::h:m 5', 7, 'expected an operator'],
    ['rate(L::h:m) by (host)', 13, 'expected an operator'],
    ['(L::h:m', 7, 'to close "("'],
    ['L::h:m *', 8, 'found the end of the query'],
    [`${'('.repeat(300)}L::h:m${')'.repeat(300)}`, 100, 'nested more than 100 levels'],
  ];
  for (const [input, offset, fragment] of cases) {
    void it(`${JSON.stringify(input.slice(0, 40))} fails at ${offset}`, () => {
      assertQueryError(() => parseQuery(input), INVALID, offset, fragment);
    });
  }

  void it('refuses text longer than maxQueryChars with QUERY_TOO_LARGE', () => {
    assertQueryError(
      () => parseQuery(`L::h:${'m'.repeat(70_000)}`),
      'CANOPY_ERR_QUERY_TOO_LARGE',
      undefined,
      '65536',
    );
  });

  void it('refuses a non-string query without crashing', () => {
    assertQueryError(() => parseQuery(42 as unknown as string), INVALID, 0, 'must be a string');
  });

  void it('cuts a long query in the message but keeps the real offset', () => {
    const q = `L::h:m + ${'1 + '.repeat(100)}L::h:n`;
    assertQueryError(() => parseQuery(q), INVALID, q.length - 8);
    assert.throws(
      () => parseQuery(q),
      (err: Error) => err.message.length < 300,
    );
  });
});
