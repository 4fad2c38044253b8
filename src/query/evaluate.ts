import { aggregate } from './aggregate.js';
import type { ArithmeticExpr, Expr } from './ast.js';
import { applyOp, isScalar, scalarValue } from './ast.js';
import { makeContext } from './context.js';
import type { EvalContext } from './context.js';
import { querySyntaxError } from './errors.js';
import { evalFunction, evalSelector } from './eval-selector.js';
import { formatQuery } from './format.js';
import { parseQuery } from './parser.js';
import { rank } from './rank.js';
import type { EvaluateOptions, ResultSeries, SeriesSource } from './types.js';

/**
 * Series with a number: `+` and `-` keep the unit, `*` and `/` drop it (the
 * result is in a unit the evaluator cannot name: KiB, %, …).
 */
function arithmetic(node: ArithmeticExpr, source: SeriesSource, ctx: EvalContext): ResultSeries[] {
  const scalarLeft = isScalar(node.lhs);
  const n = scalarValue(scalarLeft ? node.lhs : node.rhs);
  const series = evalNode(scalarLeft ? node.rhs : node.lhs, source, ctx);
  const keepUnit = node.op === '+' || node.op === '-';
  return series.map((s) => ({
    ...s,
    unit: keepUnit ? s.unit : '',
    points: s.points.map(([t, v]): [number, number] => [
      t,
      scalarLeft ? applyOp(node.op, n, v) : applyOp(node.op, v, n),
    ]),
  }));
}

function evalNode(expr: Expr, source: SeriesSource, ctx: EvalContext): ResultSeries[] {
  switch (expr.kind) {
    case 'selector':
      return evalSelector(expr, source, ctx);
    case 'function':
      return evalFunction(expr, source, ctx);
    case 'aggregate':
      return aggregate(expr, evalNode(expr.arg, source, ctx));
    case 'rank':
      return rank(expr, evalNode(expr.arg, source, ctx));
    case 'arithmetic':
      if (isScalar(expr)) break;
      return arithmetic(expr, source, ctx);
    case 'number':
      break;
  }
  throw querySyntaxError(
    formatQuery(expr),
    'a query must select series; this one is only a number',
    0,
  );
}

/**
 * Evaluate a query (text or a tree from `parseQuery`) over `source` for the
 * time range and grid in `options`. Series left without points are not
 * returned. Throws QueryError `CANOPY_ERR_INVALID_QUERY` for bad text or
 * options and `CANOPY_ERR_QUERY_TOO_LARGE` when a limit is hit; errors of
 * the source pass through unchanged. Semantics: docs/query.md.
 */
export function evaluate(
  query: Expr | string,
  source: SeriesSource,
  options: EvaluateOptions,
): ResultSeries[] {
  const expr = typeof query === 'string' ? parseQuery(query) : query;
  const ctx = makeContext(options);
  return evalNode(expr, source, ctx).filter((s) => s.points.length > 0);
}
