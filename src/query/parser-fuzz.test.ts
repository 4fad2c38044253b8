import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSelector } from '../model/index.js';
import type { Expr, GroupKey } from './ast.js';
import { AGGREGATE_OPS, RANGE_FUNCTIONS, RANK_OPS } from './ast.js';
import { QueryError } from './errors.js';
import { formatQuery } from './format.js';
import { parseQuery } from './parser.js';

function onlyQueryError(text: string): void {
  let expr: Expr;
  try {
    expr = parseQuery(text);
  } catch (err) {
    assert.ok(err instanceof QueryError, `unexpected ${String(err)} for ${JSON.stringify(text)}`);
    if (err.offset !== undefined) {
      assert.ok(err.offset >= 0 && err.offset <= text.length, err.message);
    }
    return;
  }
  // Whatever parses has a canonical text that parses to the same canonical text.
  const canonical = formatQuery(expr);
  assert.equal(formatQuery(parseQuery(canonical)), canonical, JSON.stringify(text));
}

const grammarChar = fc.constantFrom(...'()[]{},:/"\\ *+-.0123456789abcmsuhtrey_=~!?𝄞é\t');
const words = fc.constantFrom(
  'rate(',
  'sum',
  ' by (',
  'ou:1',
  'host',
  'topk(',
  'L::h:m',
  'Lab::*:cpu:user',
  '[5m]',
  '{job="x"}',
  '/(a|b)/',
  ' * ',
  ' - ',
  ')',
  ', ',
  '1.5',
  'Inf',
);

void describe('parseQuery on garbage', () => {
  void it('throws nothing but QueryError on random strings of grammar characters', () => {
    fc.assert(fc.property(fc.string({ unit: grammarChar, maxLength: 40 }), onlyQueryError), {
      numRuns: 3000,
    });
  });

  void it('throws nothing but QueryError on random sequences of query fragments', () => {
    const text = fc.array(words, { maxLength: 12 }).map((ws) => ws.join(''));
    fc.assert(fc.property(text, onlyQueryError), { numRuns: 3000 });
  });

  void it('throws nothing but QueryError on arbitrary unicode', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), onlyQueryError), {
      numRuns: 1000,
    });
  });
});

const SELECTORS = [
  'Lab::h:cpu:user',
  'Lab:A::node-[1-4]:cpu:*',
  'World:**::h:m',
  'Lab::/(a|b),c/:m',
  'Lab::{x,y}:m{job="a, b) c"}',
  'Lab::disk(0):io:reads',
  '2024::h:m',
  '{env=~"prod|dev"}',
];

const selectorArb = fc.record({
  text: fc.constantFrom(...SELECTORS),
  rangeMs: fc.option(fc.constantFrom(1, 1500, 60_000, 5_400_000, 86_400_000), { nil: undefined }),
});

const numberArb = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(Infinity, -Infinity, Number.NaN, 0.5, 1e21),
);

const groupKeyArb: fc.Arbitrary<GroupKey> = fc.oneof(
  fc.constant({ kind: 'ou' } as const),
  fc.integer({ min: 1, max: 5 }).map((depth): GroupKey => ({ kind: 'ou', depth })),
  fc.constant({ kind: 'host' } as const),
  fc.constant({ kind: 'metric' } as const),
  fc.constantFrom('job', 'env', 'by').map((name): GroupKey => ({ kind: 'label', name })),
);

function uniqueKeys(keys: GroupKey[]): GroupKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const label = k.kind === 'label' ? k.name : k.kind;
    if (seen.has(label)) return false;
    seen.add(label);
    return true;
  });
}

/** Random trees in the shapes the parser builds (offsets are not compared). */
const exprArb = fc.letrec<{ vector: Expr; scalar: Expr }>((tie) => ({
  scalar: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberArb.map((value): Expr => ({ kind: 'number', offset: 0, value })),
    fc
      .tuple(fc.constantFrom('+', '-', '*', '/' as const), tie('scalar'), tie('scalar'))
      .map(([op, lhs, rhs]): Expr => ({ kind: 'arithmetic', offset: 0, op, lhs, rhs })),
  ),
  vector: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    selectorArb.map(({ text }): Expr => ({
      kind: 'selector',
      offset: 0,
      selector: parseSelector(text),
    })),
    fc
      .tuple(fc.constantFrom(...RANGE_FUNCTIONS), selectorArb)
      .map(([fn, { text, rangeMs }]): Expr => ({
        kind: 'function',
        offset: 0,
        fn,
        arg:
          rangeMs === undefined
            ? { kind: 'selector', offset: 0, selector: parseSelector(text) }
            : { kind: 'selector', offset: 0, selector: parseSelector(text), rangeMs },
      })),
    fc
      .tuple(
        fc.constantFrom(...AGGREGATE_OPS),
        fc.array(groupKeyArb, { maxLength: 3 }),
        tie('vector'),
      )
      .map(([op, by, arg]): Expr => ({
        kind: 'aggregate',
        offset: 0,
        op,
        by: uniqueKeys(by),
        arg,
      })),
    fc
      .tuple(fc.constantFrom(...RANK_OPS), fc.nat(20), tie('vector'))
      .map(([op, k, arg]): Expr => ({ kind: 'rank', offset: 0, op, k, arg })),
    fc
      .tuple(
        fc.constantFrom('+', '-', '*', '/' as const),
        tie('scalar'),
        tie('vector'),
        fc.boolean(),
      )
      .map(([op, s, v, scalarLeft]): Expr => ({
        kind: 'arithmetic',
        offset: 0,
        op,
        lhs: scalarLeft ? s : v,
        rhs: scalarLeft ? v : s,
      })),
  ),
})).vector;

function strip(expr: Expr): unknown {
  return JSON.parse(
    JSON.stringify(expr, (k, v: unknown) => {
      if (k === 'offset') return undefined;
      if (k === 'selector') return String(v);
      // JSON has no NaN, ±Inf or -0; keep them distinguishable.
      if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)))
        return `#${Object.is(v, -0) ? '-0' : String(v)}`;
      return v;
    }),
  );
}

void describe('formatQuery / parseQuery round trip', () => {
  void it('parses the formatted text of any tree back to the same tree', () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        const text = formatQuery(expr);
        assert.deepEqual(strip(parseQuery(text)), strip(expr), text);
      }),
      { numRuns: 2000 },
    );
  });
});
