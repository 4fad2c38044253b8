import type {
  AggregateExpr,
  AggregateOp,
  ArithmeticOp,
  Expr,
  FunctionExpr,
  GroupKey,
  RangeFunction,
  RankExpr,
  RankOp,
} from './ast.js';
import {
  AGGREGATE_OPS,
  RANGE_FUNCTIONS,
  RANK_OPS,
  groupKeyLabel,
  isScalar,
  scalarValue,
} from './ast.js';
import { queryTooLarge } from './errors.js';
import { QUERY_LIMITS } from './limits.js';
import { Cursor } from './parse-cursor.js';
import { parseOperand } from './parse-operand.js';

const DIGITS_AT = /\d+/y;
const MAX_OU_DEPTH = 1000;

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

function binary(c: Cursor, op: ArithmeticOp, lhs: Expr, rhs: Expr, offset: number): Expr {
  if (!isScalar(lhs) && !isScalar(rhs)) {
    c.fail(
      'arithmetic between two series sets is not supported (one side must be a number)',
      offset,
    );
  }
  return { kind: 'arithmetic', op, lhs, rhs, offset };
}

/** expr := term (('+' | '-') term)* */
function parseExpr(c: Cursor): Expr {
  return c.nested(() => {
    let lhs = parseTerm(c);
    for (;;) {
      c.skipSpace();
      const op = c.peek();
      if (op !== '+' && op !== '-') return lhs;
      const at = c.pos;
      c.pos += 1;
      lhs = binary(c, op, lhs, parseTerm(c), at);
    }
  });
}

/** term := unary (('*' | '/') unary)* */
function parseTerm(c: Cursor): Expr {
  let lhs = parseUnary(c);
  for (;;) {
    c.skipSpace();
    const op = c.peek();
    if (op !== '*' && op !== '/') return lhs;
    const at = c.pos;
    c.pos += 1;
    lhs = binary(c, op, lhs, parseUnary(c), at);
  }
}

/** unary := ('-' | '+')* primary; a minus on series multiplies by -1. */
function parseUnary(c: Cursor): Expr {
  c.skipSpace();
  const at = c.pos;
  let negate = false;
  while (c.peek() === '-' || c.peek() === '+') {
    if (c.peek() === '-') negate = !negate;
    c.pos += 1;
    c.skipSpace();
  }
  const operand = parsePrimary(c);
  if (!negate) return operand;
  if (operand.kind === 'number') return { ...operand, offset: at, value: -operand.value };
  const minusOne: Expr = { kind: 'number', offset: at, value: -1 };
  return { kind: 'arithmetic', op: '*', lhs: minusOne, rhs: operand, offset: at };
}

/** primary := '(' expr ')' | call | selector range? | number */
function parsePrimary(c: Cursor): Expr {
  c.skipSpace();
  if (c.atEnd()) {
    c.fail('expected a selector, a number, a function call or "(" but found the end of the query');
  }
  if (c.eat('(')) {
    const inner = parseExpr(c);
    c.skipSpace();
    c.expect(')', 'to close "("');
    return inner;
  }
  return parseCall(c) ?? parseOperand(c);
}

function parseCall(c: Cursor): Expr | undefined {
  const start = c.pos;
  const name = c.identifierAt(start);
  if (name === undefined) return undefined;
  const after = c.spaceEnd(start + name.length);
  const paren = c.text[after] === '(';
  if (isOneOf(RANGE_FUNCTIONS, name) && paren) {
    c.pos = after;
    return parseFunction(c, name, start);
  }
  if (isOneOf(RANK_OPS, name) && paren) {
    c.pos = after;
    return parseRank(c, name, start);
  }
  const grouped = c.keywordAt('by', after) || c.keywordAt('without', after);
  if (isOneOf(AGGREGATE_OPS, name) && (paren || grouped)) {
    c.pos = after;
    return parseAggregate(c, name, start);
  }
  return undefined;
}

function parseFunction(c: Cursor, fn: RangeFunction, start: number): FunctionExpr {
  c.expect('(', `after ${fn}`);
  const argAt = c.spaceEnd();
  const arg = parseExpr(c);
  if (arg.kind !== 'selector') {
    c.fail(`${fn}() takes a selector, optionally with a range such as [5m]`, argAt);
  }
  c.skipSpace();
  c.expect(')', `to close ${fn}(`);
  return { kind: 'function', fn, arg, offset: start };
}

function parseRank(c: Cursor, op: RankOp, start: number): RankExpr {
  c.expect('(', `after ${op}`);
  const kAt = c.spaceEnd();
  const kExpr = parseExpr(c);
  if (!isScalar(kExpr)) c.fail(`the first argument of ${op}() must be a number`, kAt);
  const k = scalarValue(kExpr);
  if (!Number.isSafeInteger(k) || k < 0) {
    c.fail(`${op}() needs a whole number of series ≥ 0, got ${k}`, kAt);
  }
  c.skipSpace();
  c.expect(',', `after the count of ${op}(`);
  const argAt = c.spaceEnd();
  const arg = parseExpr(c);
  if (isScalar(arg)) c.fail(`the second argument of ${op}() must select series`, argAt);
  c.skipSpace();
  c.expect(')', `to close ${op}(`);
  return { kind: 'rank', op, k, arg, offset: start };
}

function parseAggregate(c: Cursor, op: AggregateOp, start: number): AggregateExpr {
  let by = parseGrouping(c);
  c.skipSpace();
  c.expect('(', `after ${op}`);
  const argAt = c.spaceEnd();
  const arg = parseExpr(c);
  if (isScalar(arg)) c.fail(`${op}() needs series to aggregate, not a number`, argAt);
  c.skipSpace();
  c.expect(')', `to close ${op}(`);
  const afterAt = c.spaceEnd();
  if (c.keywordAt('by', afterAt) || c.keywordAt('without', afterAt)) {
    if (by !== undefined) c.fail(`${op} has two by (…) clauses`, afterAt);
    c.pos = afterAt;
    by = parseGrouping(c);
  }
  return { kind: 'aggregate', op, by: by ?? [], arg, offset: start };
}

/** `by (key, …)` at the cursor, or undefined when there is none. */
function parseGrouping(c: Cursor): GroupKey[] | undefined {
  c.skipSpace();
  if (c.keywordAt('without')) c.fail('without (…) is not supported; list the keys with by (…)');
  if (!c.keywordAt('by')) return undefined;
  c.pos += 2;
  c.skipSpace();
  c.expect('(', 'after by');
  const keys: GroupKey[] = [];
  const seen = new Set<string>();
  for (;;) {
    c.skipSpace();
    if (c.eat(')')) return keys;
    const at = c.pos;
    const key = parseGroupKey(c);
    const label = groupKeyLabel(key);
    if (seen.has(label)) c.fail(`duplicate grouping key ${JSON.stringify(label)}`, at);
    seen.add(label);
    keys.push(key);
    c.skipSpace();
    if (!c.eat(',') && c.peek() !== ')') {
      c.fail(`expected "," or ")" in by (…) but found ${c.found()}`);
    }
  }
}

function parseGroupKey(c: Cursor): GroupKey {
  const name = c.identifierAt();
  if (name === undefined) {
    c.fail(
      `expected a grouping key (ou, ou:N, host, metric or a label name) but found ${c.found()}`,
    );
  }
  c.pos += name.length;
  if (name === 'host' || name === 'metric') return { kind: name };
  if (name !== 'ou') return { kind: 'label', name };
  if (!c.eat(':')) return { kind: 'ou' };
  DIGITS_AT.lastIndex = c.pos;
  const digits = DIGITS_AT.exec(c.text)?.[0];
  if (digits === undefined) c.fail('expected the number of OU levels after "ou:"');
  const depth = Number(digits);
  if (depth < 1 || depth > MAX_OU_DEPTH) c.fail(`ou:N needs 1 ≤ N ≤ ${MAX_OU_DEPTH}`);
  c.pos += digits.length;
  return { kind: 'ou', depth };
}

/** A range `[5m]` is only meaningful as the argument of a function over time. */
function rejectStrayRanges(c: Cursor, expr: Expr): void {
  switch (expr.kind) {
    case 'selector':
      if (expr.rangeMs !== undefined) {
        c.fail(
          'a range such as [5m] is only allowed inside a function over time (rate, …)',
          expr.offset,
        );
      }
      return;
    case 'aggregate':
    case 'rank':
      return rejectStrayRanges(c, expr.arg);
    case 'arithmetic':
      rejectStrayRanges(c, expr.lhs);
      return rejectStrayRanges(c, expr.rhs);
    default:
      return;
  }
}

/**
 * Parse query text into an expression tree. Throws a QueryError
 * `CANOPY_ERR_INVALID_QUERY` naming the offset and what was expected there,
 * or `CANOPY_ERR_QUERY_TOO_LARGE` for text longer than the limit. The
 * grammar is summarised in `querySyntax` and described in docs/query.md.
 */
export function parseQuery(text: string): Expr {
  if (typeof text !== 'string') {
    return new Cursor('').fail(`a query must be a string, got ${typeof text}`, 0);
  }
  if (text.length > QUERY_LIMITS.maxQueryChars) {
    throw queryTooLarge(
      `query text of ${text.length} characters exceeds maxQueryChars ${QUERY_LIMITS.maxQueryChars}`,
    );
  }
  const c = new Cursor(text);
  const expr = parseExpr(c);
  c.skipSpace();
  if (!c.atEnd()) {
    c.fail(`expected an operator (+ - * /) or the end of the query but found ${c.found()}`);
  }
  if (isScalar(expr)) c.fail('a query must select series; this one is only a number', 0);
  rejectStrayRanges(c, expr);
  return expr;
}
